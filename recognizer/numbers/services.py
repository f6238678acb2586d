"""Writes of numbers: read once, stored with one drawing per digit, all or nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ml.numbers import NumberReading, read_number
from recognizer.core.errors import DomainError
from recognizer.core.owners import Owner
from recognizer.drawings.idempotency import IdempotencyKey, IdempotencyKeyReusedError
from recognizer.drawings.labelling import drawing_set_label
from recognizer.drawings.services import check_image_size, drawing_build, drawing_save
from recognizer.models import Drawing, Number, NumberDigit
from recognizer.serving.predictor import get_predictor

ERROR_KEY_REUSED = (
    "This Idempotency-Key was already used for a different number: send a new key for a new "
    "drawing."
)
ERROR_DIGIT_COUNT = (
    "The number was read as {read} digits and you gave {given}. Give one digit for each "
    "digit read; if it was split wrongly, draw it again."
)
ERROR_NOT_DIGITS = "Give the digits the number really was, such as 2026 (digits 0-9 only)."

Stroke = list[tuple[float, float]]


class DigitCountError(DomainError):
    code = "digit_count"


def number_read(*, image: bytes, strokes: list[Stroke] | None = None) -> NumberReading:
    """Read every digit of the number in `image` without storing anything."""
    check_image_size(len(image))
    return read_number(
        get_predictor(), image, strokes=strokes, max_digits=settings.NUMBER_MAX_DIGITS
    )


def number_create(
    *,
    image: bytes,
    source: str,
    owner: Owner = Owner(),
    strokes: list[Stroke] | None = None,
    idempotency: IdempotencyKey | None = None,
) -> Number:
    """Read the number in `image` and store it with one drawing per digit, once per key."""
    if stored := _replayed(idempotency, owner, image):
        return stored
    reading = number_read(image=image, strokes=strokes)
    number = _number_new(image, reading, source=source, owner=owner, idempotency=idempotency)
    places = [
        NumberDigit(
            drawing=drawing_build(image=d.crop, reading=d.reading, source=source, owner=owner),
            position=position,
            box=list(d.box),
        )
        for position, d in enumerate(reading.digits)
    ]
    for place in places:
        place.full_clean(exclude=["number", "drawing"], validate_constraints=False)
    try:
        with transaction.atomic():
            number.save()
            for place in places:
                drawing_save(drawing=place.drawing)  # the place takes its id as it saves
                place.number = number
                place.save()
    except IntegrityError:
        if stored := _replayed(idempotency, owner, image):  # a concurrent retry stored it
            return stored
        raise
    number.replayed = False
    return number


def _number_new(
    image: bytes,
    reading: NumberReading,
    *,
    source: str,
    owner: Owner,
    idempotency: IdempotencyKey | None,
) -> Number:
    """Return a validated, unsaved number for `reading`."""
    number = Number(
        image=image,
        content_type=reading.mime_type,
        width=reading.size[0],
        height=reading.size[1],
        source=source,
        model_version=reading.model_version,
        user=owner.db_user,
        session_key=owner.session_key,
        idempotency_key=idempotency.key if idempotency else "",
        idempotency_owner=idempotency.owner if idempotency else "",
    )
    number.full_clean(validate_constraints=False)
    return number


def _replayed(idempotency: IdempotencyKey | None, owner: Owner, image: bytes) -> Number | None:
    """Return the number this owner stored with this key; refuse the key for another image."""
    if idempotency is None:
        return None
    stored = Number.objects.filter(idempotency_key=idempotency.key).order_by("-created_at")
    mine = [n for n in stored if n.idempotency_owner == idempotency.owner or owner.owns(n)]
    if not mine:
        return None
    number = mine[0]
    if number.created_at < timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_SECONDS):
        Number.objects.filter(pk=number.pk).update(idempotency_key="")
        return None
    if bytes(number.image) != image:
        raise IdempotencyKeyReusedError(ERROR_KEY_REUSED)
    number.replayed = True
    return number


def number_set_digits(*, number: Number, digits: str, owner: Owner) -> Number:
    """Label each digit of `number` with what it really was, through the drawings' services."""
    if not digits.isascii() or not digits.isdigit():
        raise DigitCountError(ERROR_NOT_DIGITS)
    places = list(number.digits.select_related("drawing__prediction").order_by("position"))
    if len(digits) != len(places):
        raise DigitCountError(ERROR_DIGIT_COUNT.format(read=len(places), given=len(digits)))
    with transaction.atomic():
        for place, digit in zip(places, digits, strict=True):
            drawing: Drawing = place.drawing
            if drawing.label != int(digit):  # an unchanged digit keeps its answer as it is
                drawing_set_label(drawing=drawing, label=int(digit), owner=owner)
    return number
