"""Every write the site makes: drawings, predictions, labels. Shared by API, pages and admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ml.inference import Prediction as ModelPrediction
from ml.preprocessing import PreprocessingError, preprocess
from recognizer.models import Drawing, LabelChange, Prediction
from recognizer.predictor import get_predictor

ERROR_IMAGE_TOO_BIG = "The image is {size:,} bytes; the limit is {limit:,} bytes."
ERROR_BATCH_SIZE = "A batch holds 1 to {limit} images; this one has {count}."
ERROR_FEEDBACK_GIVEN = "This drawing already has a label; only staff can change it."
ERROR_BATCH_ITEM = "Image {index}: {message}"


class ImageTooBigError(PreprocessingError):
    code = "image_too_big"


class BatchSizeError(ValueError):
    code = "batch_size"


class FeedbackAlreadyGivenError(ValueError):
    code = "already_labelled"


class BatchItemError(PreprocessingError):
    """One image of a batch is bad; `index` says which, `code` what."""

    def __init__(self, index: int, error: PreprocessingError) -> None:
        super().__init__(ERROR_BATCH_ITEM.format(index=index, message=error))
        self.index, self.code = index, error.code


@dataclass(frozen=True)
class Owner:
    """Who made a drawing: a signed-in user, or an anonymous browser session."""

    user: AbstractBaseUser | None = None
    session_key: str = ""

    @property
    def db_user(self):
        return self.user if self.user is not None and self.user.is_authenticated else None


def check_image_size(size: int) -> None:
    """Refuse an image of `size` bytes when it is over the configured cap."""
    if size > settings.MAX_IMAGE_BYTES:
        raise ImageTooBigError(
            ERROR_IMAGE_TOO_BIG.format(size=size, limit=settings.MAX_IMAGE_BYTES)
        )


def _predict(images: list[bytes]) -> list[ModelPrediction]:
    inputs = []
    for index, image in enumerate(images):
        try:
            check_image_size(len(image))
            inputs.append(preprocess(image, max_pixels=settings.MAX_IMAGE_PIXELS))
        except PreprocessingError as error:
            if len(images) == 1:
                raise
            raise BatchItemError(index, error) from error
    return get_predictor().predict_inputs(inputs)


def drawing_create(
    *, image: bytes, source: str, owner: Owner = Owner(), label: int | None = None
) -> Drawing:
    """Predict the digit in `image` and store the drawing with its prediction."""
    (prediction,) = _predict([image])
    with transaction.atomic():
        return _drawing_store(image, prediction, source=source, owner=owner, label=label)


def drawing_create_batch(
    *, images: list[bytes], source: str, owner: Owner = Owner(), labels: list | None = None
) -> list[Drawing]:
    """Predict many images in one model call and store them all, or none."""
    if not 1 <= len(images) <= settings.MAX_BATCH_SIZE:
        raise BatchSizeError(
            ERROR_BATCH_SIZE.format(limit=settings.MAX_BATCH_SIZE, count=len(images))
        )
    predictions = _predict(images)
    labels = labels or [None] * len(images)
    with transaction.atomic():
        return [
            _drawing_store(image, prediction, source=source, owner=owner, label=label)
            for image, prediction, label in zip(images, predictions, labels, strict=True)
        ]


def _drawing_store(
    image: bytes, result: ModelPrediction, *, source: str, owner: Owner, label: int | None
) -> Drawing:
    drawing = Drawing(
        image=image,
        content_type=result.model_input.mime_type,
        model_input=result.model_input.to_bytes(),
        source=source,
        user=owner.db_user,
        session_key=owner.session_key,
    )
    # Field validation in Python; the check constraints are the database's own job.
    drawing.full_clean(validate_constraints=False)
    drawing.save()
    prediction = Prediction(
        drawing=drawing,
        digit=result.digit,
        confidence=result.confidence,
        probabilities=list(result.probabilities),
        model_version=result.model_version,
        inference_ms=result.inference_ms,
    )
    # The drawing was saved a line above: checking that it exists would cost a query.
    prediction.full_clean(exclude=["drawing"], validate_constraints=False, validate_unique=False)
    prediction.save()
    if label is not None:
        _label_set(drawing, label, source=Drawing.LabelSource.SUBMITTED, by=owner.db_user)
    return drawing


def drawing_give_feedback(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Let the person who drew it say which digit it is, once."""
    with transaction.atomic():
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        if locked.label is not None:
            raise FeedbackAlreadyGivenError(ERROR_FEEDBACK_GIVEN)
        _label_set(locked, label, source=Drawing.LabelSource.FEEDBACK, by=owner.db_user)
    return locked


def drawing_relabel(*, drawing: Drawing, label: int, reviewer: AbstractBaseUser) -> Drawing:
    """Set a drawing's label as a reviewer, keeping the earlier one in the audit trail."""
    with transaction.atomic():
        # The row lock orders concurrent relabels: each sees the label the last one set.
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        _label_set(locked, label, source=Drawing.LabelSource.REVIEW, by=reviewer)
    return locked


def _label_set(drawing: Drawing, label: int, *, source: str, by) -> None:
    change = LabelChange(
        drawing=drawing, old_label=drawing.label, new_label=label, source=source, changed_by=by
    )
    change.full_clean(validate_constraints=False)
    drawing.label, drawing.label_source, drawing.labelled_by = label, source, by
    drawing.labelled_at = timezone.now()
    drawing.full_clean(validate_constraints=False)
    drawing.save(update_fields=["label", "label_source", "labelled_by", "labelled_at"])
    change.save()


def drawing_set_excluded(*, drawing: Drawing, excluded: bool) -> Drawing:
    """Keep a drawing (a scribble, a non-digit) out of training, or let it back in."""
    drawing.excluded_from_training = excluded
    drawing.save(update_fields=["excluded_from_training"])
    return drawing


def drawing_set_label(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Staff relabel any time; the person who drew it gives feedback once."""
    user = owner.db_user
    if user is not None and user.is_staff:
        return drawing_relabel(drawing=drawing, label=label, reviewer=user)
    return drawing_give_feedback(drawing=drawing, label=label, owner=owner)
