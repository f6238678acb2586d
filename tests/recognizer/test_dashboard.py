"""The review dashboard and the exports of labelled drawings (admin action and command)."""

import csv
import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recognizer.management.commands.export_labelled import ERROR_FILTER_SYNTAX
from recognizer.models import NOT_A_DIGIT, Drawing, ModelPromotion
from recognizer.review.exports import CSV_HEADER
from tests.factories import DrawingFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/recognizer/drawing/"
DASHBOARD = CHANGELIST + "dashboard/"


@pytest.fixture
def reviewed():
    """Labelled drawings from two model versions: 3 read as 8 twice, 7 read as 1 once."""
    return {
        "three_as_eight": [
            DrawingFactory(label=3, prediction__digit=8, prediction__model_version="cnn-a")
            for _ in range(2)
        ],
        "seven_as_one": DrawingFactory(
            label=7, prediction__digit=1, prediction__model_version="cnn-b"
        ),
        "right": DrawingFactory(label=1, prediction__digit=1, prediction__model_version="cnn-b"),
        "unlabelled": DrawingFactory(prediction__digit=5),
        "excluded": DrawingFactory(label=4, excluded_from_training=True),
    }


def test_dashboard_shows_volume_live_accuracy_confusion_and_pairs(admin_client, reviewed):
    html = admin_client.get(DASHBOARD).content.decode()
    assert "Review dashboard" in html and "Drawings per day" in html
    assert "<strong>6</strong> drawings" in html and "<strong>5</strong> labelled" in html
    # Live accuracy per version: cnn-a 0 of 2, cnn-b 1 of 2.
    assert "0.0%" in html and "50.0%" in html
    # The confusion matrix is a table whose cells link into the filtered change list.
    assert 'class="matrix"' in html and html.count('<td class="') >= 100
    pair = f"{CHANGELIST}?label__exact=3&amp;answer=8"
    assert pair in html
    assert html.index('aria-label="true 3, read as 8: 2 drawings">2</a>') < html.index(
        'aria-label="true 7, read as 1: 1 drawings">1</a>'
    )


def test_dashboard_counts_browser_readings_that_disagree_with_the_server(admin_client):
    same = {"prediction__model_version": "v1", "prediction__browser_version": "v1"}
    DrawingFactory(**same, prediction__digit=4, prediction__browser_digit=9)
    DrawingFactory(**same, prediction__digit=4, prediction__browser_digit=4)
    html = admin_client.get(DASHBOARD).content.decode()
    assert "<strong>1</strong> of 2 browser readings disagree with the server" in html


def test_dashboard_pair_link_opens_exactly_those_drawings(admin_client, reviewed):
    html = admin_client.get(f"{CHANGELIST}?label__exact=3&answer=8").content
    shown = {
        d.pk
        for d in Drawing.objects.all()
        if f'name="_selected_action" value="{d.pk}"'.encode() in html
    }
    assert shown == {d.pk for d in reviewed["three_as_eight"]}


def test_dashboard_shows_the_serving_model_and_promotions(admin_client, staff_user, settings):
    ModelPromotion.objects.create(
        version="cnn-new", previous_version="cnn-old", action="retrain", promoted_by=staff_user
    )
    html = admin_client.get(DASHBOARD).content.decode()
    assert "cnn-new" in html and "cnn-old" in html and "Promoted after retraining" in html


def test_dashboard_empty_site_renders(admin_client):
    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    assert "No drawings yet." in response.content.decode()


@pytest.mark.parametrize("path", [DASHBOARD, CHANGELIST, "/admin/recognizer/modelpromotion/"])
def test_review_pages_keep_non_staff_out(client, user, path):
    assert client.get(path).status_code == 302  # to the admin login
    client.force_login(user)
    assert client.get(path).status_code == 302


def _export_action(client, fmt, query=""):
    return client.post(
        f"{CHANGELIST}{query}",
        {"action": f"export_{fmt}", "select_across": "1", "index": "0", "_selected_action": "0"},
    )


def test_export_action_npz_gives_the_rows_the_filter_shows(admin_client, reviewed):
    response = _export_action(admin_client, "npz", "?misclassified=yes")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.npz"')
    data = np.load(io.BytesIO(response.content))
    expected = Drawing.objects.misclassified().order_by("id")
    assert data["ids"].tolist() == [d.pk for d in expected]
    assert data["labels"].tolist() == [d.label for d in expected]
    assert data["inputs"].shape == (len(expected), 28, 28) and data["inputs"].dtype == np.uint8
    assert data["inputs"][0].tobytes() == bytes(expected[0].model_input)


def test_export_action_csv_has_header_score_and_pixels(admin_client, reviewed):
    scored = Drawing.objects.filter(pk=reviewed["seven_as_one"].pk)
    scored.update(label_score=0.97, label_score_reason="cnn-b read 1 (97.0%); the label says 7.")
    response = _export_action(admin_client, "csv", "?label__exact=7")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_HEADER and len(rows[0]) == 788
    drawing = reviewed["seven_as_one"]
    assert rows[1][:2] == [str(drawing.pk), "7"]
    assert rows[1][2:4] == ["0.97", "cnn-b read 1 (97.0%); the label says 7."]
    assert bytes(int(v) for v in rows[1][4:]) == bytes(drawing.model_input)
    assert len(rows) == 2


def test_export_action_with_nothing_labelled_says_so(admin_client, reviewed):
    response = _export_action(admin_client, "npz", "?misclassified=unreviewed")
    assert response.status_code == 302  # back to the list, with a message
    follow = admin_client.get(response["Location"]).content.decode()
    assert "None of the selected drawings has a label." in follow


def test_export_labelled_command_matches_the_api_filter(tmp_path, reviewed, staff_client):
    out = tmp_path / "wrong.npz"
    call_command(
        "export_labelled", str(out), "--filter", "misclassified=true", "--include-excluded"
    )
    api = staff_client.get("/api/predictions/?misclassified=true&reviewed=true").json()
    data = np.load(out)
    assert sorted(data["ids"].tolist()) == sorted(row["id"] for row in api["results"])


def test_export_labelled_command_leaves_out_excluded_unless_asked(tmp_path, reviewed):
    call_command("export_labelled", str(tmp_path / "a.csv"))
    call_command("export_labelled", str(tmp_path / "b.csv"), "--include-excluded")
    count = [len((tmp_path / n).read_text().splitlines()) - 1 for n in ("a.csv", "b.csv")]
    assert count == [4, 5]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filter", "label"], ERROR_FILTER_SYNTAX.format(text="label")),
        (["--filter", "label=12"], "Bad filter"),
        (["--format", "npz", "--filter", "misclassified=maybe"], "Bad filter"),
    ],
)
def test_export_labelled_command_refuses_bad_filters(tmp_path, args, message):
    with pytest.raises(CommandError) as error:
        call_command("export_labelled", str(tmp_path / "x.npz"), *args)
    assert message in str(error.value)
    assert not (tmp_path / "x.npz").exists()


def test_dashboard_counts_not_sure_per_model_version(admin_client):
    for reason in ("not_a_digit", "ambiguous"):
        DrawingFactory(
            prediction__model_version="cnn-a",
            prediction__uncertain=True,
            prediction__uncertain_reason=reason,
        )
    DrawingFactory(prediction__model_version="cnn-a")
    DrawingFactory(prediction__model_version="cnn-b", label=NOT_A_DIGIT)
    html = admin_client.get(DASHBOARD).content.decode()
    assert "<strong>2</strong> not sure" in html and "<strong>1</strong> not a digit" in html
    link = "?prediction__model_version=cnn-a&amp;uncertain=yes"
    assert f'{link}">2</a> (66.7%)' in html
    assert '?prediction__model_version=cnn-b&amp;uncertain=yes">0</a> (0.0%)' in html
