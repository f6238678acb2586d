import pytest

from recognizer.models import NOT_A_DIGIT, Drawing, LabelChange
from tests.factories import DrawingFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/recognizer/drawing/"


def test_admin_changelist_renders_thumbnails_and_filters(admin_client):
    drawing = DrawingFactory(prediction__digit=3, prediction__confidence=0.42)
    html = admin_client.get(CHANGELIST).content.decode()
    assert f"/api/predictions/{drawing.pk}/image/" in html
    assert f"/api/predictions/{drawing.pk}/input/?scale=6" in html
    assert "42.0%" in html
    for filter_title in ("correctness", "confidence", "model version", "source"):
        assert f"By {filter_title}" in html


def test_admin_review_queue_puts_doubtful_unreviewed_first(admin_client):
    # Created oldest first, so that "newest first" would give the opposite order.
    doubtful = DrawingFactory(prediction__confidence=0.3)
    sure = DrawingFactory(prediction__confidence=0.99)
    reviewed = DrawingFactory(label=1, label_source="review", prediction__confidence=0.1)
    for query in ("", "?misclassified=unreviewed"):
        html = admin_client.get(CHANGELIST + query).content.decode()
        shown = [d for d in (doubtful, sure, reviewed) if _row(d) in html]
        assert sorted(shown, key=lambda d: html.index(_row(d))) == shown


def test_admin_review_queue_puts_not_sure_before_merely_unconfident(admin_client):
    unconfident = DrawingFactory(prediction__confidence=0.3)
    not_sure = DrawingFactory(
        prediction__confidence=0.9,
        prediction__uncertain=True,
        prediction__uncertain_reason="not_a_digit",
    )
    html = admin_client.get(CHANGELIST).content.decode()
    assert html.index(_row(not_sure)) < html.index(_row(unconfident))
    assert f"{not_sure.prediction.digit}? not a digit" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("uncertain=yes", {"scribble", "four_or_nine"}),
        ("uncertain=not_a_digit", {"scribble"}),
        ("uncertain=ambiguous", {"four_or_nine"}),
        ("uncertain=no", {"sure"}),
    ],
)
def test_admin_uncertain_filter(admin_client, query, expected):
    rows = {
        "scribble": DrawingFactory(
            prediction__uncertain=True, prediction__uncertain_reason="not_a_digit"
        ),
        "four_or_nine": DrawingFactory(
            prediction__uncertain=True,
            prediction__uncertain_reason="ambiguous",
            prediction__alternatives=[4, 9],
        ),
        "sure": DrawingFactory(),
    }
    html = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
    assert {name for name, d in rows.items() if _row(d) in html} == expected


def test_admin_labels_not_a_digit_by_action_and_button(admin_client, staff_user):
    first, second = DrawingFactory(), DrawingFactory()
    _act(admin_client, "relabel_as_not_a_digit", [first])
    admin_client.post(f"{CHANGELIST}{second.pk}/review/", {"do": f"label:{NOT_A_DIGIT}"})
    assert set(Drawing.objects.values_list("label", flat=True)) == {NOT_A_DIGIT}
    assert LabelChange.objects.filter(new_label=NOT_A_DIGIT, source="review").count() == 2
    assert "Not a digit" in admin_client.get(CHANGELIST).content.decode()


def _row(drawing) -> str:
    return f'name="_selected_action" value="{drawing.pk}"'


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("misclassified=yes", "wrong"),
        ("misclassified=unreviewed", "open"),
        ("confidence=low", "open"),
        ("misclassified=no", "right"),
    ],
)
def test_admin_filters(admin_client, query, expected):
    rows = {
        "wrong": DrawingFactory(label=7, prediction__digit=1, prediction__confidence=0.95),
        "right": DrawingFactory(label=1, prediction__digit=1, prediction__confidence=0.95),
        "open": DrawingFactory(prediction__confidence=0.5),
    }
    html = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
    shown = {name for name, d in rows.items() if _row(d) in html}
    assert shown == {expected}


def _act(client, action, drawings):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [d.pk for d in drawings]})


def test_admin_relabel_actions_go_through_the_service(admin_client, staff_user):
    first, second = DrawingFactory(prediction__digit=1), DrawingFactory(prediction__digit=1)
    _act(admin_client, "relabel_as_7", [first, second])
    _act(admin_client, "mark_correct", [second])
    assert list(Drawing.objects.order_by("pk").values_list("label", flat=True)) == [7, 1]
    # The action walks the review queue's order, so compare per drawing, oldest change first.
    trail = sorted(
        LabelChange.objects.values_list(
            "drawing", "old_label", "new_label", "source", "changed_by"
        ),
        key=lambda change: change[0],
    )
    assert trail == [
        (first.pk, None, 7, "review", staff_user.pk),
        (second.pk, None, 7, "review", staff_user.pk),
        (second.pk, 7, 1, "review", staff_user.pk),
    ]


def test_admin_exclude_from_training(admin_client):
    drawing = DrawingFactory(label=3)
    _act(admin_client, "exclude_from_training", [drawing])
    assert not Drawing.objects.for_training().exists()
    _act(admin_client, "include_in_training", [drawing])
    assert Drawing.objects.for_training().exists()


def test_admin_change_form_relabels_through_the_service_and_shows_the_trail(
    admin_client, staff_user
):
    drawing = DrawingFactory(prediction__digit=1)
    url = f"{CHANGELIST}{drawing.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Label history (audit trail)" in page and "what the model saw" in page
    form = {"label": "4", "label_changes-TOTAL_FORMS": "0", "label_changes-INITIAL_FORMS": "0"}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = LabelChange.objects.get()
    assert (change.old_label, change.new_label, change.changed_by) == (None, 4, staff_user)
    assert "4" in admin_client.get(url).content.decode()


def test_admin_is_closed_to_non_staff(client, user):
    drawing = DrawingFactory()
    assert client.get(CHANGELIST).status_code == 302  # to the login page
    client.force_login(user)
    for url in (CHANGELIST, f"{CHANGELIST}{drawing.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    _act(client, "relabel_as_7", [drawing])
    assert Drawing.objects.get().label is None


def _review(client, drawing, do: str):
    return client.post(f"{CHANGELIST}{drawing.pk}/review/", {"do": do}, follow=True)


def test_admin_confirm_on_not_a_digit_labels_not_a_digit(admin_client):
    star = DrawingFactory(
        prediction__digit=4, prediction__uncertain=True, prediction__uncertain_reason="not_a_digit"
    )
    html = admin_client.get(CHANGELIST).content.decode()
    assert f'aria-label="Confirm #{star.pk} is not a digit"' in html
    _review(admin_client, star, "confirm")
    star.refresh_from_db()
    assert star.label == NOT_A_DIGIT and star.read_right is True


def test_admin_offers_no_confirm_when_the_model_was_not_sure_between_digits(admin_client):
    unsure = DrawingFactory(
        prediction__digit=1,
        prediction__uncertain=True,
        prediction__uncertain_reason="ambiguous",
        prediction__alternatives=[1, 7],
    )
    html = admin_client.get(CHANGELIST).content.decode()
    assert f"Confirm #{unsure.pk}" not in html
    page = _review(admin_client, unsure, "confirm").content.decode()
    assert "Unknown review action." in page
    _act(admin_client, "mark_correct", [unsure])
    unsure.refresh_from_db()
    assert unsure.label is None and not LabelChange.objects.exists()


def test_admin_mark_correct_confirms_each_answer(admin_client):
    seven = DrawingFactory(prediction__digit=7)
    star = DrawingFactory(
        prediction__digit=4, prediction__uncertain=True, prediction__uncertain_reason="not_a_digit"
    )
    _act(admin_client, "mark_correct", [seven, star])
    assert {d.pk: d.label for d in Drawing.objects.all()} == {seven.pk: 7, star.pk: NOT_A_DIGIT}
