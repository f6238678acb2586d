import pytest
from django.test import override_settings

from ml.preprocessing import EmptyDrawingError, InvalidImageError
from recognizer.core.owners import Owner
from recognizer.drawings import idempotency, labelling, services
from recognizer.models import Drawing, LabelChange, Prediction
from tests.factories import DrawingFactory, UserFactory, blank_png, stroke_png

pytestmark = pytest.mark.django_db


def test_drawing_create_stores_drawing_and_prediction(digit_png):
    image = digit_png(0)
    drawing = services.drawing_create(image=image, source="canvas", owner=Owner(session_key="v1"))
    drawing.refresh_from_db()
    assert bytes(drawing.image) == image
    assert drawing.content_type == "image/png"
    assert len(bytes(drawing.model_input)) == 784
    assert drawing.session_key == "v1"
    prediction = drawing.prediction
    assert 0 <= prediction.digit <= 9
    assert len(prediction.probabilities) == 10
    assert sum(prediction.probabilities) == pytest.approx(1, abs=1e-4)
    assert prediction.confidence == max(prediction.probabilities)
    assert prediction.model_version


def test_drawing_relabel_twice_keeps_one_drawing_one_prediction_two_audit_entries(
    digit_png, staff_user
):
    drawing = services.drawing_create(image=digit_png(1), source="api")
    labelling.drawing_relabel(drawing=drawing, label=3, reviewer=staff_user)
    labelling.drawing_relabel(drawing=drawing, label=5, reviewer=staff_user)
    assert Drawing.objects.count() == 1
    assert Prediction.objects.count() == 1
    changes = list(LabelChange.objects.values_list("old_label", "new_label", "changed_by"))
    assert changes == [(None, 3, staff_user.pk), (3, 5, staff_user.pk)]
    drawing.refresh_from_db()
    assert (drawing.label, drawing.label_source, drawing.labelled_by) == (5, "review", staff_user)


def test_drawing_give_feedback_changes_once_then_refuses():
    drawing = DrawingFactory(session_key="v1")
    owner = Owner(session_key="v1")
    labelling.drawing_give_feedback(drawing=drawing, label=1, owner=owner)
    labelling.drawing_give_feedback(drawing=drawing, label=7, owner=owner)
    with pytest.raises(labelling.FeedbackAlreadyGivenError, match="already changed once"):
        labelling.drawing_give_feedback(drawing=drawing, label=2, owner=owner)
    assert list(drawing.label_changes.values_list("new_label", flat=True)) == [1, 7]


def keyed(owner: str, key: str = "k1") -> services.IdempotencyKey:
    return services.IdempotencyKey(owner=owner, key=key)


def test_drawing_create_with_the_same_key_stores_once(digit_png):
    image = digit_png(0)
    first = services.drawing_create(image=image, source="api", idempotency=keyed("address:a"))
    again = services.drawing_create(image=image, source="api", idempotency=keyed("address:a"))
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Drawing.objects.count() == Prediction.objects.count() == 1


def test_drawing_create_keys_of_two_owners_never_meet(digit_png):
    a, b = Owner(session_key="visitor-a"), Owner(session_key="visitor-b")
    image = digit_png(0)
    theirs = services.drawing_create(
        image=image, source="api", owner=a, idempotency=keyed("visitor:visitor-a")
    )
    mine = services.drawing_create(
        image=image, source="api", owner=b, idempotency=keyed("visitor:visitor-b")
    )
    assert mine.pk != theirs.pk and not mine.replayed and mine.session_key == "visitor-b"


def test_drawing_create_retry_with_another_label_is_refused(digit_png):
    services.drawing_create(image=digit_png(0), source="api", label=7, idempotency=keyed("user:1"))
    with pytest.raises(idempotency.IdempotencyKeyReusedError, match="label 7, not 1"):
        services.drawing_create(
            image=digit_png(0), source="api", label=1, idempotency=keyed("user:1")
        )
    assert Drawing.objects.get().label == 7


def test_drawing_create_key_is_free_again_once_expired(digit_png, settings):
    first = services.drawing_create(image=digit_png(0), source="api", idempotency=keyed("a"))
    settings.IDEMPOTENCY_KEY_SECONDS = 0
    again = services.drawing_create(image=digit_png(1), source="api", idempotency=keyed("a"))
    assert again.pk != first.pk and not again.replayed
    first.refresh_from_db()
    assert first.idempotency_key == "" and again.idempotency_key == "k1"


def test_drawing_create_batch_with_the_same_key_stores_once(digit_png):
    images = [digit_png(0), digit_png(1)]
    first = services.drawing_create_batch(
        images=images, labels=[7, None], source="api", idempotency=keyed("a")
    )
    again = services.drawing_create_batch(
        images=images, labels=[7, None], source="api", idempotency=keyed("a")
    )
    assert [d.pk for d in again] == [d.pk for d in first] and all(d.replayed for d in again)
    assert [d.idempotency_key for d in first] == ["k1/0", "k1/1"]
    assert Drawing.objects.count() == 2
    with pytest.raises(idempotency.IdempotencyKeyReusedError, match="a batch of 2 images, not one"):
        services.drawing_create(image=images[0], source="api", idempotency=keyed("a"))
    with pytest.raises(idempotency.IdempotencyKeyReusedError, match="different image"):
        services.drawing_create_batch(
            images=images[::-1], labels=[7, None], source="api", idempotency=keyed("a")
        )


def test_drawing_set_label_lets_staff_override_feedback(staff_user):
    drawing = DrawingFactory(session_key="v1")
    labelling.drawing_set_label(drawing=drawing, label=1, owner=Owner(session_key="v1"))
    labelling.drawing_set_label(drawing=drawing, label=4, owner=Owner(user=staff_user))
    drawing.refresh_from_db()
    assert drawing.label == 4
    sources = list(drawing.label_changes.values_list("source", flat=True))
    assert sources == ["feedback", "review"]


def test_drawing_create_with_label_records_it(digit_png):
    user = UserFactory()
    drawing = services.drawing_create(image=digit_png(2), source="api", owner=Owner(user), label=1)
    assert drawing.label == 1
    change = drawing.label_changes.get()
    assert (change.old_label, change.new_label, change.source) == (None, 1, "submitted")
    assert change.changed_by == user


def test_drawing_create_refuses_empty_or_broken_image_and_stores_nothing():
    with pytest.raises(EmptyDrawingError):
        services.drawing_create(image=blank_png(), source="canvas")
    with pytest.raises(InvalidImageError):
        services.drawing_create(image=stroke_png()[:40], source="canvas")
    assert Drawing.objects.count() == 0


@override_settings(MAX_IMAGE_BYTES=1000)
def test_drawing_create_refuses_oversized_image(digit_png):
    image = digit_png(3)
    assert len(image) > 1000
    with pytest.raises(services.ImageTooBigError, match="limit is 1,000 bytes"):
        services.drawing_create(image=image, source="api")
    assert Drawing.objects.count() == 0


def test_drawing_create_batch_is_all_or_nothing(digit_png):
    images = [digit_png(i) for i in range(3)]
    with pytest.raises(services.BatchItemError) as raised:
        services.drawing_create_batch(images=[*images, b"not an image"], source="api")
    assert raised.value.index == 3
    assert Drawing.objects.count() == 0
    drawings = services.drawing_create_batch(images=images, source="api", labels=[7, None, 1])
    assert [d.label for d in drawings] == [7, None, 1]
    assert Prediction.objects.count() == 3


@override_settings(MAX_BATCH_SIZE=2)
def test_drawing_create_batch_refuses_too_many(digit_png):
    with pytest.raises(services.BatchSizeError, match="1 to 2 images; this one has 3"):
        services.drawing_create_batch(images=[digit_png(i) for i in range(3)], source="api")


def test_batch_over_the_pixel_budget_is_refused_before_any_image_is_decoded(monkeypatch):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (2048, 2048), 255).save(buffer, "PNG")
    decoded = []
    monkeypatch.setattr(services, "preprocess", lambda *a, **k: decoded.append(1))
    with pytest.raises(services.TooMuchWorkError, match=r"268\.4 million pixels"):
        services.drawing_create_batch(images=[buffer.getvalue()] * 64, source="api")
    assert decoded == [] and not Drawing.objects.exists()
