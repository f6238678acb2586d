"""Every write the site makes: drawings, predictions, labels. Shared by API, pages and admin."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ml.inference import Reading
from ml.label_quality import label_check
from ml.preprocessing import PreprocessingError, declared_pixels, preprocess
from recognizer.core import access
from recognizer.core.errors import DomainError
from recognizer.core.owners import Owner
from recognizer.drawings.idempotency import IdempotencyKey, replayed
from recognizer.models import Drawing, LabelChange, Prediction, label_name
from recognizer.serving.predictor import get_predictor

ERROR_IMAGE_TOO_BIG = "The image is {size:,} bytes; the limit is {limit:,} bytes."
ERROR_BATCH_SIZE = "A batch holds 1 to {limit} images; this one has {count}."
ERROR_FEEDBACK_GIVEN = "This drawing already has a label; only a reviewer can change it."
ERROR_FEEDBACK_FINAL = (
    "Your answer for this drawing was already changed once; only a reviewer can change it now."
)
ERROR_TOO_MANY_PIXELS = (
    "These images hold {pixels:.1f} million pixels; one request may hold {limit:g} million: "
    "send fewer or smaller images (a 280 px canvas PNG holds 0.08 million)."
)
ERROR_BATCH_ITEM = "Image {index}: {message}"
LABEL_SCORE_REASON = "{version} read {answer} ({probability:.1%}); the label says {label}."
ERROR_TOO_MUCH_WORK = (
    "These images need more than {budget:g} s of work; send fewer or smaller images "
    "(a 280-1000 px canvas PNG takes a few milliseconds)."
)


class ImageTooBigError(PreprocessingError):
    code = "image_too_big"


class BatchSizeError(DomainError):
    code = "batch_size"


class FeedbackAlreadyGivenError(DomainError):
    code = "already_labelled"


class TooMuchWorkError(DomainError):
    code = "too_much_work"


class BatchItemError(PreprocessingError):
    """One image of a batch is bad; `index` says which, `code` what."""

    def __init__(self, index: int, error: PreprocessingError) -> None:
        super().__init__(ERROR_BATCH_ITEM.format(index=index, message=error))
        self.index, self.code = index, error.code


def check_image_size(size: int) -> None:
    """Refuse an image of `size` bytes when it is over the configured cap."""
    if size > settings.MAX_IMAGE_BYTES:
        raise ImageTooBigError(
            ERROR_IMAGE_TOO_BIG.format(size=size, limit=settings.MAX_IMAGE_BYTES)
        )


def _check_decode_cost(images: list[bytes]) -> None:
    """Refuse a request whose images declare more pixels than the budget, before decoding any."""
    # An image over the per-image limit is refused from its header anyway: it costs nothing.
    pixels = [p for p in map(declared_pixels, images) if p <= settings.MAX_IMAGE_PIXELS]
    if sum(pixels) > settings.MAX_REQUEST_PIXELS:
        raise TooMuchWorkError(
            ERROR_TOO_MANY_PIXELS.format(
                pixels=sum(pixels) / 1e6, limit=settings.MAX_REQUEST_PIXELS / 1e6
            )
        )


def _predict(images: list[bytes]) -> list[Reading]:
    if len(images) > 1:  # one image is held to MAX_IMAGE_PIXELS from its header already
        _check_decode_cost(images)
    inputs = []
    deadline = time.monotonic() + settings.REQUEST_TIME_BUDGET_S
    for index, image in enumerate(images):
        if time.monotonic() > deadline:
            # Stop before the worker is killed mid-request; nothing is stored yet.
            raise TooMuchWorkError(
                ERROR_TOO_MUCH_WORK.format(budget=settings.REQUEST_TIME_BUDGET_S)
            )
        try:
            check_image_size(len(image))
            inputs.append(preprocess(image, max_pixels=settings.MAX_IMAGE_PIXELS))
        except PreprocessingError as error:
            if len(images) == 1:
                raise
            raise BatchItemError(index, error) from error
    return get_predictor().predict_inputs(inputs)


@dataclass(frozen=True)
class BrowserReading:
    """What the page showed for a drawing: the browser's own reading, and its version."""

    version: str
    probabilities: tuple[float, ...]

    @property
    def digit(self) -> int:
        return max(range(len(self.probabilities)), key=self.probabilities.__getitem__)


def image_read(*, image: bytes) -> Reading:
    """Read the digit in `image` without storing anything (the canvas's live reading)."""
    (reading,) = _predict([image])
    return reading


def drawing_create(
    *,
    image: bytes,
    source: str,
    owner: Owner = Owner(),
    label: int | None = None,
    idempotency: IdempotencyKey | None = None,
    browser: BrowserReading | None = None,
) -> Drawing:
    """Predict the digit in `image` and store the drawing with its prediction, once per key.

    A request repeated by the same owner with the same key and body returns the drawing
    stored the first time, marked `replayed`, and stores nothing more. The server reads
    the image whatever the browser read; `browser` is kept beside its reading.
    """
    if stored := replayed(idempotency, owner, [image], [label], batch=False):
        return stored[0]
    (reading,) = _predict([image])
    key = idempotency.key if idempotency else ""
    drawing = _drawing_new(
        image, reading, source=source, owner=owner, key=key, scope=idempotency, browser=browser
    )
    try:
        _drawing_insert(drawing, label=label, owner=owner)
    except IntegrityError:
        # A concurrent request with the same key stored it first.
        if stored := replayed(idempotency, owner, [image], [label], batch=False):
            return stored[0]
        raise
    return drawing


def drawing_create_batch(
    *,
    images: list[bytes],
    source: str,
    owner: Owner = Owner(),
    labels: list | None = None,
    idempotency: IdempotencyKey | None = None,
) -> list[Drawing]:
    """Predict many images in one model call and store them all, or none, once per key."""
    if not 1 <= len(images) <= settings.MAX_BATCH_SIZE:
        raise BatchSizeError(
            ERROR_BATCH_SIZE.format(limit=settings.MAX_BATCH_SIZE, count=len(images))
        )
    labels = labels or [None] * len(images)
    if stored := replayed(idempotency, owner, images, labels, batch=True):
        return stored
    readings = _predict(images)
    drawings = [
        _drawing_new(
            image,
            reading,
            source=source,
            owner=owner,
            key=idempotency.item(index) if idempotency else "",
            scope=idempotency,
        )
        for index, (image, reading) in enumerate(zip(images, readings, strict=True))
    ]
    try:
        with transaction.atomic():
            for drawing, label in zip(drawings, labels, strict=True):
                _drawing_save(drawing, label=label, owner=owner)
    except IntegrityError:
        if stored := replayed(idempotency, owner, images, labels, batch=True):
            return stored
        raise
    return drawings


def _drawing_new(
    image: bytes,
    result: Reading,
    *,
    source: str,
    owner: Owner,
    key: str = "",
    scope: IdempotencyKey | None = None,
    browser: BrowserReading | None = None,
) -> Drawing:
    """Return a validated, unsaved drawing with its prediction in `drawing.prediction`."""
    drawing = Drawing(
        image=image,
        content_type=result.model_input.mime_type,
        model_input=result.model_input.to_bytes(),
        source=source,
        user=owner.db_user,
        session_key=owner.session_key,
        idempotency_key=key,
        idempotency_owner=scope.owner if scope else "",
    )
    # Field validation in Python; the check constraints are the database's own job.
    drawing.full_clean(validate_constraints=False)
    drawing.replayed = False
    prediction = Prediction(
        drawing=drawing,
        digit=result.digit,
        confidence=result.confidence,
        probabilities=list(result.probabilities),
        model_version=result.model_version,
        inference_ms=result.inference_ms,
        uncertain=result.uncertain,
        uncertain_reason=result.uncertain_reason or "",
        alternatives=list(result.alternatives),
        not_digit_probability=result.not_digit_probability,
    )
    if browser is not None:
        prediction.browser_version = browser.version
        prediction.browser_digit = browser.digit
        prediction.browser_probabilities = list(browser.probabilities)
    # The drawing is not saved yet: checking that it exists would fail (and cost a query).
    prediction.full_clean(exclude=["drawing"], validate_constraints=False, validate_unique=False)
    return drawing


def _drawing_insert(drawing: Drawing, *, label: int | None, owner: Owner) -> None:
    """Store a new drawing and its prediction (and label) atomically, at least cost."""
    if label is None and connection.vendor == "postgresql":
        Drawing.objects.insert_with_prediction(drawing)
        return
    with transaction.atomic():
        _drawing_save(drawing, label=label, owner=owner)


def _drawing_save(drawing: Drawing, *, label: int | None, owner: Owner) -> None:
    drawing.save()
    drawing.prediction.save()  # Django sets its drawing_id from the drawing saved above
    if label is not None:
        _label_set(drawing, label, source=Drawing.LabelSource.SUBMITTED, by=owner.db_user)


def drawing_give_feedback(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Let the person who drew it say which digit it is, and change their answer once."""
    with transaction.atomic():
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        if locked.label is not None:
            _check_feedback_changeable(locked)
        _label_set(locked, label, source=Drawing.LabelSource.FEEDBACK, by=owner.db_user)
    return locked


def _check_feedback_changeable(drawing: Drawing) -> None:
    """Allow one change of one's own answer, shortly after giving it; refuse anything else."""
    if drawing.label_source != Drawing.LabelSource.FEEDBACK:
        raise FeedbackAlreadyGivenError(ERROR_FEEDBACK_GIVEN)
    window = dt.timedelta(seconds=settings.FEEDBACK_CHANGE_SECONDS)
    changes = drawing.label_changes.count()
    if changes > 1 or timezone.now() - drawing.labelled_at > window:
        raise FeedbackAlreadyGivenError(ERROR_FEEDBACK_FINAL)


def drawing_relabel(*, drawing: Drawing, label: int, reviewer: AbstractBaseUser) -> Drawing:
    """Set a drawing's label as a reviewer, keeping the earlier one in the audit trail.

    A label that disagrees with both the drawer's answer and the model waits for a second
    reviewer to agree before it trains (SECOND_OPINION).
    """
    access.require(reviewer, access.RELABEL)
    with transaction.atomic():
        # The row lock orders concurrent relabels: each sees the label the last one set.
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        second = settings.SECOND_OPINION and not _seconded(locked, label, reviewer)
        locked.needs_second_opinion = second
        _label_set(locked, label, source=Drawing.LabelSource.REVIEW, by=reviewer)
    return locked


def _seconded(drawing: Drawing, label: int, reviewer: AbstractBaseUser) -> bool:
    """Return whether someone besides `reviewer` stands by `label`: drawer, model or reviewer."""
    if drawing.drawer_label is None or label in (drawing.drawer_label, drawing.prediction.answer):
        return True
    others = drawing.label_changes.filter(source=Drawing.LabelSource.REVIEW, new_label=label)
    return others.exclude(changed_by=reviewer).exists()


def _label_set(drawing: Drawing, label: int, *, source: str, by) -> None:
    change = LabelChange(
        drawing=drawing, old_label=drawing.label, new_label=label, source=source, changed_by=by
    )
    change.full_clean(validate_constraints=False)
    drawing.label, drawing.label_source, drawing.labelled_by = label, source, by
    drawing.labelled_at = timezone.now()
    if source != Drawing.LabelSource.REVIEW:
        drawing.drawer_label = label
    prediction = drawing.prediction
    drawing.label_score, drawing.label_score_reason = label_score(
        prediction.probabilities, prediction.not_digit_probability, label, prediction.model_version
    )
    drawing.full_clean(validate_constraints=False)
    drawing.save(update_fields=[*LABEL_FIELDS])
    change.save()


LABEL_FIELDS = (
    "label",
    "label_source",
    "labelled_by",
    "labelled_at",
    "drawer_label",
    "label_score",
    "label_score_reason",
    "needs_second_opinion",
)


def label_score(probabilities, not_digit: float, label: int, version: str) -> tuple[float, str]:
    """Score how likely `label` is wrong from a reading that never trained on it, and say why.

    The reading stored with a drawing is one: the model that made it was trained before
    the drawing existed.
    """
    check = label_check(probabilities, not_digit, label)
    reason = LABEL_SCORE_REASON.format(
        version=version,
        answer=label_name(check.read_as),
        probability=check.read_probability,
        label=label_name(label),
    )
    return round(check.score, 6), reason


def drawing_label_scores_update(*, scores: dict[int, tuple[int, float, str]]) -> int:
    """Store fresh label scores ({id: (label scored, score, reason)}); return how many stuck.

    A label changed since it was scored keeps the score its change gave it.
    """
    updated = 0
    with transaction.atomic():
        for pk, (label, score, reason) in scores.items():
            rows = Drawing.objects.filter(pk=pk, label=label)
            updated += rows.update(label_score=score, label_score_reason=reason)
    return updated


def drawing_set_excluded(*, drawing: Drawing, excluded: bool, by: AbstractBaseUser) -> Drawing:
    """Keep a drawing (a scribble, a non-digit) out of training, or let it back in."""
    access.require(by, access.EXCLUDE)
    drawing.excluded_from_training = excluded
    drawing.save(update_fields=["excluded_from_training"])
    return drawing


def drawing_set_label(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Reviewers relabel any time; the person who drew it gives feedback; nobody else."""
    user = owner.db_user
    if access.can(user, access.RELABEL):
        return drawing_relabel(drawing=drawing, label=label, reviewer=user)
    if not owner.owns(drawing):
        access.require(user, access.RELABEL)
    return drawing_give_feedback(drawing=drawing, label=label, owner=owner)
