import pytest
from django.db import IntegrityError, transaction

from recognizer.models import Drawing, Prediction
from tests.factories import DrawingFactory, PredictionFactory

pytestmark = pytest.mark.django_db


def _violates(update) -> bool:
    try:
        with transaction.atomic():
            update()
    except IntegrityError:
        return True
    return False


def test_drawing_label_constraint_rejects_non_digits():
    drawing = DrawingFactory()
    assert _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(label=10))
    assert not _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(label=9))


def test_drawing_model_input_constraint_requires_784_bytes():
    drawing = DrawingFactory()
    assert _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(model_input=b"x" * 783))


def test_prediction_constraints_reject_bad_rows():
    prediction = PredictionFactory()
    rows = Prediction.objects.filter(pk=prediction.pk)
    assert _violates(lambda: rows.update(probabilities=[0.1] * 9))
    assert _violates(lambda: rows.update(digit=11))
    assert _violates(lambda: rows.update(confidence=1.5))


def test_drawing_queryset_misclassified_and_unreviewed():
    wrong = DrawingFactory(label=7, prediction__digit=1)
    right = DrawingFactory(label=1, prediction__digit=1)
    open_ = DrawingFactory(prediction__digit=1)
    assert list(Drawing.objects.misclassified()) == [wrong]
    assert list(Drawing.objects.correct()) == [right]
    assert list(Drawing.objects.unreviewed()) == [open_]


def test_drawing_queryset_owned_by_session_or_user(user):
    mine = DrawingFactory(session_key="abc")
    theirs = DrawingFactory(session_key="xyz")
    signed_in = DrawingFactory(user=user)
    assert list(Drawing.objects.owned_by(session_key="abc")) == [mine]
    assert list(Drawing.objects.owned_by(user=user)) == [signed_in]
    assert theirs not in Drawing.objects.owned_by(session_key="")
