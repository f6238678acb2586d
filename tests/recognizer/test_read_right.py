"""One definition of a right answer: agreeing that a drawing is "not a digit" is right."""

import itertools

import pytest

from recognizer.drawings import selectors
from recognizer.models import NOT_A_DIGIT, Drawing
from tests.factories import DrawingFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/recognizer/drawing/"
REASONS = ["", "not_a_digit", "ambiguous"]
LABELS = [None, 4, 7, NOT_A_DIGIT]


def read_as(reason: str, digit: int = 4) -> dict:
    """Factory arguments for a prediction of `digit` with this uncertainty."""
    return {
        "prediction__digit": digit,
        "prediction__uncertain": bool(reason),
        "prediction__uncertain_reason": reason,
        "prediction__alternatives": [digit, 9] if reason == "ambiguous" else [digit],
    }


@pytest.fixture
def star():
    """A star the model called "not a digit" (its hidden top digit: 4), and the person agreed."""
    return DrawingFactory(label=NOT_A_DIGIT, **read_as("not_a_digit"))


def test_read_right_query_and_row_agree_on_every_case():
    for reason, label in itertools.product(REASONS, LABELS):
        DrawingFactory(label=label, **read_as(reason))
    rows = Drawing.objects.select_related("prediction")
    right = {d.pk for d in rows if d.read_right is True}
    wrong = {d.pk for d in rows if d.read_right is False}
    assert set(Drawing.objects.correct().values_list("pk", flat=True)) == right
    assert set(Drawing.objects.misclassified().values_list("pk", flat=True)) == wrong
    # Right: 4 read as 4 (sure or not sure between 4 and 9), and "not a digit" agreed.
    expected = {("", 4), ("ambiguous", 4), ("not_a_digit", NOT_A_DIGIT)}
    assert {(d.prediction.uncertain_reason, d.label) for d in rows if d.read_right} == expected


def test_agreeing_not_a_digit_is_right_in_the_api_and_its_filter(star, staff_client):
    body = staff_client.get(f"/api/predictions/{star.pk}/").json()
    assert (body["label"], body["correct"]) == ("not_a_digit", True)
    wrong = staff_client.get("/api/predictions/?misclassified=true").json()
    right = staff_client.get("/api/predictions/?misclassified=false").json()
    assert (wrong["count"], [d["id"] for d in right["results"]]) == (0, [star.pk])


def test_agreeing_not_a_digit_is_right_in_the_stats(star, staff_client):
    four_refused = DrawingFactory(label=4, **read_as("not_a_digit"))  # it was a 4 after all
    stats = staff_client.get("/api/stats/").json()
    assert (stats["labelled"], stats["correct"], stats["accuracy"]) == (2, 1, 0.5)
    # The matrix's last column is the answer "not a digit": the refused 4 is counted there.
    assert stats["confusion_matrix"][4] == [0] * 10 + [1]
    assert stats["per_digit"][4] == {"digit": 4, "labelled": 1, "accuracy": 0.0}
    days = selectors.drawings_per_day(Drawing.objects.all(), days=1)
    assert (days[0]["labelled"], days[0]["correct"]) == (2, 1)
    assert four_refused.read_right is False


def test_agreeing_not_a_digit_is_right_in_the_history_page(star, admin_client):
    html = admin_client.get("/history/").content.decode()
    assert "✓ Right" in html and "✗ Wrong" not in html
    assert "not a digit" in html.split('class="h-digit">')[1].split("</dd>")[0]
    assert "No drawings yet" in admin_client.get("/history/?wrong=1").content.decode()


def test_agreeing_not_a_digit_is_right_in_the_admin_and_dashboard(star, admin_client):
    listed = admin_client.get(f"{CHANGELIST}?misclassified=yes").content.decode()
    assert f'value="{star.pk}"' not in listed
    listed = admin_client.get(f"{CHANGELIST}?misclassified=no").content.decode()
    assert f'value="{star.pk}"' in listed
    html = admin_client.get(f"{CHANGELIST}dashboard/").content.decode()
    assert "<strong>100.0%</strong> live accuracy" in html
    # The per-version table: its "Wrong" cell links to that version's misclassified drawings.
    wrong_cell = html.split("prediction__model_version=test-model&amp;misclassified=yes")[1]
    assert wrong_cell.split("</a>")[0] == '">0'
