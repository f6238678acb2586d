"""The review queue: likely-wrong labels first, a second opinion, training that waits."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from ml.label_quality import mistap
from recognizer.drawings.api import ERROR_HISTORY_HIDDEN
from recognizer.drawings.labelling import drawing_label_scores_update
from recognizer.models import Drawing, LabelChange
from recognizer.review.api import ERROR_QUEUE
from recognizer.review.columns import HIDDEN
from tests.conftest import api_as
from tests.helpers import BATCH, PREDICT, assert_error, data_url

pytestmark = pytest.mark.django_db
QUEUE = "/api/review/queue/"
CHANGELIST = "/admin/recognizer/drawing/"
FIRST = 3000  # MNIST test digits drawn here: far from the head other tests draw


def draw(client, indices, canvas_png) -> list[dict]:
    """Store canvas drawings of these MNIST test digits through the batch API, 64 at a time."""
    stored = []
    for start in range(0, len(indices), 64):
        images = [data_url(canvas_png(i)) for i in indices[start : start + 64]]
        response = client.post(BATCH, {"images": images}, format="json")
        assert response.status_code == 201, response.content
        stored += response.json()["results"]
    return stored


def answer(client, drawing_id: int, label) -> dict:
    response = client.patch(f"{PREDICT}{drawing_id}/", {"label": label}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def queue_ids(client, pages: int) -> list[int]:
    ids = []
    for page in range(1, pages + 1):
        response = client.get(QUEUE, {"page": page})
        assert response.status_code == 200, response.content
        ids += [item["id"] for item in response.json()["results"]]
    return ids


@pytest.fixture
def drawer(user_client):
    """The person who drew the digits, signed in."""
    return user_client


@pytest.fixture
def mistapped(drawer, digit_png, mnist_test, models_dir):
    """Three drawings: the drawer tapped a neighbouring key on the first, right on the others."""
    indices = [FIRST, FIRST + 1, FIRST + 2]
    drawings = draw(drawer, indices, digit_png)
    truth = [int(mnist_test.labels[i]) for i in indices]
    wrong = int(mistap(np.array(truth[:1]), np.random.default_rng(0))[0])
    answer(drawer, drawings[0]["id"], wrong)
    for drawing, label in zip(drawings[1:], truth[1:]):
        answer(drawer, drawing["id"], label)
    return {"ids": [d["id"] for d in drawings], "truth": truth, "wrong": wrong}


def test_review_queue_puts_16_of_20_mistaps_in_its_first_40(
    drawer, reviewer, digit_png, mnist_test, models_dir
):
    indices = list(range(FIRST, FIRST + 200))
    drawings = draw(drawer, indices, digit_png)
    rng = np.random.default_rng(30)
    tapped_wrong = set(rng.choice(200, 20, replace=False).tolist())
    truth = mnist_test.labels[indices].astype(int)
    given = np.where(np.isin(np.arange(200), list(tapped_wrong)), mistap(truth, rng), truth)
    for drawing, label in zip(drawings, given.tolist()):
        answer(drawer, drawing["id"], label)

    first_40 = queue_ids(api_as(reviewer), pages=2)
    mistaps = {drawings[i]["id"] for i in tapped_wrong}
    assert len(first_40) == 40
    assert len(mistaps & set(first_40)) >= 16


def test_review_queue_item_says_why_and_scores_the_label(mistapped, reviewer):
    first = api_as(reviewer).get(QUEUE).json()["results"][0]
    assert first["id"] == mistapped["ids"][0]
    assert first["review_reasons"][0] == "label_disagrees"
    assert first["review_reasons"][-1] == "unreviewed"
    quality = first["label_quality"]
    assert quality["likely_wrong"] and quality["score"] > 0.9
    truth, wrong = mistapped["truth"][0], mistapped["wrong"]
    assert f"read {truth} (" in quality["reason"]
    assert quality["reason"].endswith(f"the label says {wrong}.")
    assert first["drawer_label"] == wrong


def test_review_queue_is_for_reviewers_and_auditors_only(mistapped, drawer, auditor):
    assert_error(drawer.get(QUEUE), 403, "permission_denied", ERROR_QUEUE)
    assert APIClient().get(QUEUE).status_code == 403
    assert api_as(auditor).get(QUEUE).json()["count"] == 3


def test_likely_wrong_label_waits_for_a_reviewer_before_it_trains(mistapped, reviewer):
    tapped = mistapped["ids"][0]
    assert set(Drawing.objects.for_training().values_list("pk", flat=True)) == set(
        mistapped["ids"][1:]
    )
    # The reviewer sets the digit the model read: drawer and reviewer now differ, model agrees.
    body = answer(api_as(reviewer), tapped, mistapped["truth"][0])
    assert body["label_quality"]["likely_wrong"] is False and not body["needs_second_opinion"]
    assert Drawing.objects.for_training().filter(pk=tapped).exists()
    assert tapped not in queue_ids(api_as(reviewer), pages=1)
    trail = LabelChange.objects.filter(drawing=tapped).values_list("source", "new_label")
    assert list(trail) == [("feedback", mistapped["wrong"]), ("review", mistapped["truth"][0])]


def test_reviewer_keeps_a_likely_wrong_label_and_it_trains(mistapped, reviewer):
    tapped = mistapped["ids"][0]
    answer(api_as(reviewer), tapped, mistapped["wrong"])  # agrees with the drawer: settled
    drawing = Drawing.objects.get(pk=tapped)
    assert drawing.label_source == "review" and not drawing.needs_second_opinion
    assert Drawing.objects.for_training().filter(pk=tapped).exists()


def other_digit(mistapped) -> int:
    """A digit neither the drawer (the mis-tap) nor the model (the truth) gave."""
    return next(d for d in range(10) if d not in (mistapped["truth"][0], mistapped["wrong"]))


def test_second_opinion_through_the_api(mistapped, reviewer, second_reviewer):
    tapped, third = mistapped["ids"][0], other_digit(mistapped)
    first = answer(api_as(reviewer), tapped, third)
    assert first["needs_second_opinion"] and first["label"] == third
    assert not Drawing.objects.for_training().filter(pk=tapped).exists()
    assert tapped not in queue_ids(api_as(reviewer), pages=1)

    second = api_as(second_reviewer)
    seen = second.get(QUEUE).json()["results"][0]
    assert seen["id"] == tapped and seen["review_reasons"] == ["second_opinion"]
    assert seen["label"] is None and seen["label_hidden"] and seen["label_quality"] is None
    assert second.get(f"{PREDICT}{tapped}/").json()["label"] is None
    hidden = second.get(f"{PREDICT}{tapped}/history/")
    assert_error(hidden, 403, "permission_denied", ERROR_HISTORY_HIDDEN)

    agreed = answer(second, tapped, third)
    assert not agreed["needs_second_opinion"] and agreed["label"] == third
    assert Drawing.objects.for_training().filter(pk=tapped).exists()
    assert tapped not in queue_ids(second, pages=1)
    assert second.get(f"{PREDICT}{tapped}/history/").status_code == 200
    trail = LabelChange.objects.filter(drawing=tapped).values_list("new_label", "changed_by")
    assert list(trail)[1:] == [(third, reviewer.pk), (third, second_reviewer.pk)]


def test_second_opinion_that_differs_waits_for_a_third(mistapped, reviewer, second_reviewer):
    tapped, third = mistapped["ids"][0], other_digit(mistapped)
    answer(api_as(reviewer), tapped, third)
    fourth = next(d for d in range(10) if d not in (third, *mistapped["truth"], mistapped["wrong"]))
    body = answer(api_as(second_reviewer), tapped, fourth)
    assert body["needs_second_opinion"] and body["label"] == fourth
    # The first reviewer now sees the second's label hidden, and is asked again.
    assert api_as(reviewer).get(QUEUE).json()["results"][0]["review_reasons"] == ["second_opinion"]
    # Siding with the model settles it.
    settled = answer(api_as(reviewer), tapped, mistapped["truth"][0])
    assert not settled["needs_second_opinion"]


def test_second_opinion_can_be_turned_off(mistapped, reviewer, settings):
    settings.SECOND_OPINION = False
    body = answer(api_as(reviewer), mistapped["ids"][0], other_digit(mistapped))
    assert not body["needs_second_opinion"]
    assert Drawing.objects.for_training().filter(pk=mistapped["ids"][0]).exists()


def review(client, drawing_id, do):
    url = f"{CHANGELIST}{drawing_id}/review/"
    return client.post(url, {"do": do, "next": CHANGELIST})


def test_second_opinion_through_the_admin(mistapped, client, reviewer, second_reviewer):
    tapped, third = mistapped["ids"][0], other_digit(mistapped)
    client.force_login(reviewer)
    assert review(client, tapped, f"label:{third}").status_code == 302
    assert Drawing.objects.get(pk=tapped).needs_second_opinion
    mine = client.get(CHANGELIST).content.decode()
    assert f"{third} (awaiting a second opinion)" in mine

    client.force_login(second_reviewer)
    theirs = client.get(CHANGELIST).content.decode()
    assert HIDDEN in theirs and "awaiting a second opinion" not in theirs
    form = client.get(f"{CHANGELIST}{tapped}/change/").content.decode()
    assert HIDDEN in form and "Label history" not in form
    assert review(client, tapped, f"label:{third}").status_code == 302
    drawing = Drawing.objects.get(pk=tapped)
    assert drawing.label == third and not drawing.needs_second_opinion


def test_admin_filters_and_confirms_a_likely_wrong_label(mistapped, client, reviewer):
    tapped = mistapped["ids"][0]
    client.force_login(reviewer)
    html = client.get(CHANGELIST, {"label_quality": "likely_wrong"}).content.decode()
    assert f'href="{CHANGELIST}{tapped}/change/' in html
    assert f'href="{CHANGELIST}{mistapped["ids"][1]}/change/' not in html
    assert "⚠" in html and "the label says" in html
    listing = client.get(CHANGELIST).content.decode()
    assert listing.index(f"{CHANGELIST}{tapped}/change/") < listing.index(
        f"{CHANGELIST}{mistapped['ids'][1]}/change/"
    )
    assert review(client, tapped, "confirm").status_code == 302  # the model's answer is right
    assert Drawing.objects.for_training().filter(pk=tapped).exists()


def test_label_scores_update_skips_a_label_changed_since(mistapped, reviewer):
    tapped = mistapped["ids"][0]
    answer(api_as(reviewer), tapped, mistapped["truth"][0])
    stale = {tapped: (mistapped["wrong"], 0.99, "stale")}
    assert drawing_label_scores_update(scores=stale) == 0
    assert Drawing.objects.get(pk=tapped).label_score_reason != "stale"


def test_reviewer_figures_in_stats_and_on_the_dashboard(
    mistapped, reviewer, second_reviewer, client, drawer
):
    tapped, right = mistapped["ids"][0], mistapped["ids"][1]
    third = other_digit(mistapped)
    answer(api_as(reviewer), tapped, third)  # overturns the drawer (and the model)
    answer(api_as(second_reviewer), tapped, mistapped["truth"][0])  # disagrees with the first
    answer(api_as(second_reviewer), right, mistapped["truth"][1])  # upholds the drawer

    review = api_as(reviewer).get("/api/stats/").json()["review"]
    rita, rosa = review["reviewers"]
    assert (rita["reviewer"], rita["reviewed"], rita["agreement"]) == ("rita", 1, 0.0)
    assert (rita["drawer_answers"], rita["overturned"], rita["overturn_rate"]) == (1, 1, 1.0)
    assert (rosa["reviewed"], rosa["compared"], rosa["agreed"]) == (2, 1, 0)
    assert (rosa["drawer_answers"], rosa["overturned"], rosa["overturn_rate"]) == (2, 1, 0.5)
    answers = {row["answer"]: row for row in review["drawer_answers"]}
    assert answers[mistapped["wrong"]]["overturned"] == 1
    assert answers[mistapped["truth"][1]]["overturn_rate"] == 0.0
    assert review["waiting"] == {"likely_wrong": 0, "second_opinion": 0}
    assert drawer.get("/api/stats/").json()["review"] is None

    client.force_login(reviewer)
    html = client.get("/admin/recognizer/drawing/dashboard/").content.decode()
    assert "<td>rita</td><td>1</td><td>0.0% (0 of 1)</td><td>100.0% (1 of 1)</td>" in html
    assert "Drawers' answers overturned in review" in html
