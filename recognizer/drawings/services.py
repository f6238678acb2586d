"""Writes of drawings and their predictions, once per key. Labels: `labelling`."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from ml.inference import Reading
from ml.preprocessing import PreprocessingError, declared_pixels, preprocess
from recognizer.core.errors import DomainError
from recognizer.core.owners import Owner
from recognizer.drawings.idempotency import IdempotencyKey, replayed
from recognizer.drawings.labelling import label_set
from recognizer.models import Drawing, Prediction
from recognizer.serving.predictor import get_predictor

ERROR_IMAGE_TOO_BIG = "The image is {size:,} bytes; the limit is {limit:,} bytes."
ERROR_BATCH_SIZE = "A batch holds 1 to {limit} images; this one has {count}."
ERROR_TOO_MANY_PIXELS = (
    "These images hold {pixels:.1f} million pixels; one request may hold {limit:g} million: "
    "send fewer or smaller images (a 280 px canvas PNG holds 0.08 million)."
)
ERROR_BATCH_ITEM = "Image {index}: {message}"
ERROR_TOO_MUCH_WORK = (
    "These images need more than {budget:g} s of work; send fewer or smaller images "
    "(a 280-1000 px canvas PNG takes a few milliseconds)."
)


class ImageTooBigError(PreprocessingError):
    code = "image_too_big"


class BatchSizeError(DomainError):
    code = "batch_size"


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


def drawing_build(*, image: bytes, reading: Reading, source: str, owner: Owner) -> Drawing:
    """Return a validated, unsaved drawing read elsewhere (a digit of a number)."""
    return _drawing_new(image, reading, source=source, owner=owner)


def drawing_save(*, drawing: Drawing) -> None:
    """Store a drawing from `drawing_build` and its prediction (in the caller's transaction)."""
    _drawing_save(drawing, label=None, owner=Owner())


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
        label_set(drawing, label, source=Drawing.LabelSource.SUBMITTED, by=owner.db_user)
