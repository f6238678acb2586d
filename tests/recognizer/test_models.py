import pytest
from django.db import IntegrityError, transaction

from recognizer.models import NOT_A_DIGIT, Drawing, Prediction
from tests.factories import DrawingFactory, PredictionFactory

pytestmark = pytest.mark.django_db


def _violates(update) -> bool:
    try:
        with transaction.atomic():
            update()
    except IntegrityError:
        return True
    return False


def test_drawing_label_constraint_allows_digits_and_not_a_digit_only():
    drawing = DrawingFactory()
    assert _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(label=11))
    assert not _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(label=9))
    assert not _violates(lambda: Drawing.objects.filter(pk=drawing.pk).update(label=NOT_A_DIGIT))


def test_prediction_uncertain_constraint_requires_a_reason_exactly_when_uncertain():
    rows = Prediction.objects.filter(pk=PredictionFactory().pk)
    assert _violates(lambda: rows.update(uncertain=True, uncertain_reason=""))
    assert _violates(lambda: rows.update(uncertain=False, uncertain_reason="ambiguous"))
    assert _violates(lambda: rows.update(uncertain=True, uncertain_reason="maybe"))
    assert not _violates(lambda: rows.update(uncertain=True, uncertain_reason="not_a_digit"))


def test_drawing_queryset_for_training_leaves_out_not_a_digit():
    digit = DrawingFactory(label=4)
    DrawingFactory(label=NOT_A_DIGIT)
    DrawingFactory(label=3, excluded_from_training=True)
    assert list(Drawing.objects.for_training()) == [digit]


def test_drawing_queryset_uncertain():
    unsure = DrawingFactory(prediction__uncertain=True, prediction__uncertain_reason="ambiguous")
    DrawingFactory()
    assert list(Drawing.objects.uncertain()) == [unsure]


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
