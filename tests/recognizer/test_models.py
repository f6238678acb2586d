import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from recognizer.core.owners import Owner
from recognizer.drawings import services
from recognizer.models import NOT_A_DIGIT, Drawing, Prediction
from tests.factories import DrawingFactory, PredictionFactory, ambiguous_reading, stroke_png

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


def _unsaved_drawing(image: bytes) -> Drawing:
    reading = ambiguous_reading(image)
    return services._drawing_new(image, reading, source="canvas", owner=Owner(session_key="v"))


def _stored(drawing: Drawing) -> tuple[dict, dict]:
    row = Drawing.objects.select_related("prediction").get(pk=drawing.pk)
    skip = {"id", "drawing", "created_at"}
    binary = {"image": bytes(row.image), "model_input": bytes(row.model_input)}  # not editable
    return (
        {k: v for k, v in model_to_dict(row).items() if k not in skip} | binary,
        {k: v for k, v in model_to_dict(row.prediction).items() if k not in skip},
    )


def test_insert_with_prediction_stores_what_save_stores():
    if connection.vendor != "postgresql":
        pytest.skip("one statement for both rows is PostgreSQL's (a data-modifying WITH)")
    saved, inserted = _unsaved_drawing(stroke_png(1)), _unsaved_drawing(stroke_png(1))
    saved.save()
    saved.prediction.save()

    Drawing.objects.insert_with_prediction(inserted)

    assert inserted.pk and inserted.prediction.pk and inserted.prediction.drawing_id == inserted.pk
    assert _stored(inserted) == _stored(saved)
    row = Drawing.objects.get(pk=inserted.pk)
    assert row.created_at == inserted.created_at and row.prediction.created_at is not None


def test_insert_with_prediction_reuses_its_statement_with_each_rows_values():
    if connection.vendor != "postgresql":
        pytest.skip("one statement for both rows is PostgreSQL's (a data-modifying WITH)")
    first = _unsaved_drawing(stroke_png(1))
    Drawing.objects.insert_with_prediction(first)  # Django's compiler writes the statement
    saved, inserted = _unsaved_drawing(stroke_png(3)), _unsaved_drawing(stroke_png(3))
    for drawing in (saved, inserted):
        drawing.source, drawing.session_key, drawing.prediction.digit = "api", "w", 3
    saved.save()
    saved.prediction.save()

    Drawing.objects.insert_with_prediction(inserted)  # the same statement, this row's values

    assert _stored(inserted) == _stored(saved) != _stored(first)
    assert Drawing.objects.get(pk=inserted.pk).created_at == inserted.created_at


def test_drawing_indexes_are_those_its_reads_need():
    if connection.vendor != "postgresql":
        pytest.skip("the index list is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'recognizer_drawing'")
        names = {name for (name,) in cursor.fetchall()}

    # No LIKE index on session_key and no second index on user_id: each costs every insert.
    assert not any(name.endswith("_like") for name in names)
    assert not any(name.startswith("recognizer_drawing_user_id") for name in names)
    assert {"drawing_by_user", "drawing_by_session"} <= names


def test_insert_with_prediction_refused_stores_neither_row():
    if connection.vendor != "postgresql":
        pytest.skip("one statement for both rows is PostgreSQL's (a data-modifying WITH)")
    drawing = _unsaved_drawing(stroke_png(2))
    drawing.prediction.digit = 12  # past full_clean: the database's check refuses it

    with pytest.raises(IntegrityError):
        Drawing.objects.insert_with_prediction(drawing)

    # Queried in the test's own transaction: the savepoint kept it usable.
    assert not Drawing.objects.exists() and not Prediction.objects.exists()
