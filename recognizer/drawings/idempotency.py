"""Idempotency-Key: a repeated request returns what the first one stored, and stores nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from recognizer.core.errors import DomainError
from recognizer.core.owners import Owner
from recognizer.models import Drawing, LabelChange, label_name

ERROR_IDEMPOTENCY_REUSED = (
    "This Idempotency-Key was already used for a different image: send a new key for a new drawing."
)
ERROR_IDEMPOTENCY_LABEL = (
    "This Idempotency-Key was already used with the label {stored}, not {sent}: a retry sends "
    "the same body, a new drawing a new key."
)
ERROR_IDEMPOTENCY_SHAPE = (
    "This Idempotency-Key was already used for {stored}, not {sent}: send a new key for a new "
    "request."
)


class IdempotencyKeyReusedError(DomainError):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key for one request, in its owner's own namespace ("user:7", "visitor:…")."""

    owner: str
    key: str

    def item(self, index: int) -> str:
        """Return the key stored on image `index` of a batch sent with this key."""
        return f"{self.key}/{index}"  # "/" is never in a client's key: no clash with one


def replayed(
    idempotency: IdempotencyKey | None,
    owner: Owner,
    images: list[bytes],
    labels: list,
    *,
    batch: bool,
) -> list[Drawing] | None:
    """Return what this owner stored with this key and body, None if nothing; refuse a change.

    A key expired after IDEMPOTENCY_KEY_SECONDS is freed for a new request.
    """
    if idempotency is None:
        return None
    stored = _stored_with(idempotency, owner)
    if not stored:
        return None
    if stored[0].created_at < timezone.now() - dt.timedelta(
        seconds=settings.IDEMPOTENCY_KEY_SECONDS
    ):
        # The key has expired: it is free for a new request.
        Drawing.objects.filter(pk__in=[d.pk for d in stored]).update(idempotency_key="")
        return None
    stored_batch = stored[0].idempotency_key != idempotency.key
    if stored_batch != batch or len(stored) != len(images):
        raise IdempotencyKeyReusedError(
            ERROR_IDEMPOTENCY_SHAPE.format(
                stored=_request_shape(stored_batch, len(stored)),
                sent=_request_shape(batch, len(images)),
            )
        )
    submitted = dict(
        LabelChange.objects.filter(
            drawing__in=stored, source=Drawing.LabelSource.SUBMITTED
        ).values_list("drawing_id", "new_label")
    )
    for drawing, image, label in zip(stored, images, labels, strict=True):
        if bytes(drawing.image) != image:
            raise IdempotencyKeyReusedError(ERROR_IDEMPOTENCY_REUSED)
        if submitted.get(drawing.pk) != label:
            stored_label, sent = submitted.get(drawing.pk), label
            raise IdempotencyKeyReusedError(
                ERROR_IDEMPOTENCY_LABEL.format(stored=_said(stored_label), sent=_said(sent))
            )
        drawing.replayed = True
    return stored


def _stored_with(idempotency: IdempotencyKey, owner: Owner) -> list[Drawing]:
    """Return the drawings this owner stored with this key, a batch's in its order."""
    keys = [idempotency.key, *map(idempotency.item, range(settings.MAX_BATCH_SIZE))]
    stored = Drawing.objects.filter(idempotency_key__in=keys).select_related("prediction")
    # A visitor's first request may have come without their cookie (scoped by address):
    # what they own is theirs whichever namespace its key was stored in.
    theirs = [d for d in stored if d.idempotency_owner == idempotency.owner or owner.owns(d)]
    return sorted(theirs, key=lambda drawing: _item_index(drawing.idempotency_key))


def _item_index(key: str) -> int:
    return int(key.rsplit("/", 1)[1]) if "/" in key else -1


def _request_shape(batch: bool, count: int) -> str:
    return f"a batch of {count} images" if batch else "one image"


def _said(label: int | None) -> str:
    return "none" if label is None else label_name(label)
