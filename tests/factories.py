"""Factories for users and drawings; drawings go through the real preprocessing."""

import io

import factory
import numpy as np
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory
from PIL import Image, ImageDraw

from ml.inference import Reading
from ml.preprocessing import preprocess
from recognizer.models import Drawing, Prediction


def stroke_png(seed: int = 0) -> bytes:
    """A small black-on-white PNG with one vertical stroke (reads as a 1)."""
    pixels = np.full((64, 64), 255, dtype=np.uint8)
    offset = seed % 20
    pixels[10:54, 22 + offset : 28 + offset] = 0
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def sketch_png(strokes, size: int = 280, width: int = 18) -> bytes:
    """A black-on-white PNG of pen strokes given in a unit box, as a person would draw them."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(x * size, y * size) for x, y in stroke]
        draw.line(points, fill=0, width=width, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# Things that are not digits, drawn by hand in a unit box.
LETTER_A = [[(0.15, 0.85), (0.5, 0.15), (0.85, 0.85)], [(0.3, 0.58), (0.7, 0.58)]]
LETTER_X = [[(0.2, 0.2), (0.8, 0.8)], [(0.8, 0.2), (0.2, 0.8)]]
SCRIBBLE = [[(0.1, 0.5), (0.3, 0.15), (0.4, 0.8), (0.55, 0.2), (0.7, 0.85), (0.9, 0.3), (0.2, 0.3)]]
HALF_FOUR = [[(0.45, 0.15), (0.2, 0.6), (0.8, 0.6)]]  # a 4 before its second stroke


def blank_png(size: int = 64) -> bytes:
    """A white PNG with nothing drawn on it."""
    buffer = io.BytesIO()
    Image.new("L", (size, size), 255).save(buffer, format="PNG")
    return buffer.getvalue()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class DrawingFactory(DjangoModelFactory):
    class Meta:
        model = Drawing
        skip_postgeneration_save = True

    image = factory.Sequence(stroke_png)
    content_type = "image/png"
    model_input = factory.LazyAttribute(lambda d: preprocess(d.image).to_bytes())
    source = Drawing.Source.CANVAS
    session_key = ""
    prediction = factory.RelatedFactory(
        "tests.factories.PredictionFactory", factory_related_name="drawing"
    )


class PredictionFactory(DjangoModelFactory):
    class Meta:
        model = Prediction

    drawing = factory.SubFactory(DrawingFactory, prediction=None)
    digit = 1
    confidence = 0.91
    probabilities = factory.LazyAttribute(
        lambda p: [p.confidence if d == p.digit else (1 - p.confidence) / 9 for d in range(10)]
    )
    model_version = "test-model"
    inference_ms = 0.5


def ambiguous_reading(image: bytes, uncertain_reason: str | None = "ambiguous") -> Reading:
    """A reading of `image` that hesitates between 7 and 1, as the model returns one."""
    return Reading(
        digit=7,
        confidence=0.5,
        probabilities=(0.05,) * 6 + (0.1, 0.5, 0.05, 0.05),
        model_version="test-model",
        model_input=preprocess(image),
        inference_ms=0.7,
        uncertain=uncertain_reason is not None,
        uncertain_reason=uncertain_reason,
        alternatives=(7, 1),
        not_digit_probability=0.125,
    )
