"""The review queue and dashboard as a reviewer sees them, in Chromium on the live server."""

import itertools

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from recognizer.models import LabelChange, RetrainJob
from tests.browser import SCREENSHOTS, axe_violations, wait_until
from tests.factories import DrawingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def queue():
    """Made newest-last, so that "newest first" would show them in the wrong order."""
    return {
        "doubtful": DrawingFactory(prediction__digit=4, prediction__confidence=0.31),
        "unsure": DrawingFactory(prediction__digit=9, prediction__confidence=0.55),
        "sure": DrawingFactory(prediction__digit=1, prediction__confidence=0.99),
        "reviewed": DrawingFactory(
            label=2, label_source="review", prediction__digit=7, prediction__confidence=0.2
        ),
    }


def sign_in_as_reviewer(browser, live_server, **options):
    UserFactory(username="rita", is_staff=True)
    call_command("grant_role", "rita", "reviewer")
    context = browser.new_context(base_url=live_server.url, **options)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text("rita")
    return page


def row_ids(page) -> list[int]:
    return [
        int(v)
        for v in page.locator("#result_list tbody .action-select").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    ]


def test_review_queue_shows_least_confident_unreviewed_first(browser, live_server, queue):
    page = sign_in_as_reviewer(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto("/admin/recognizer/drawing/")
    expected = [queue[k].pk for k in ("doubtful", "unsure", "sure", "reviewed")]
    assert row_ids(page) == expected
    # Every column is in view at 1280 px: the table does not scroll sideways.
    widths = page.locator("#changelist .results").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1]
    page.context.close()


def test_review_queue_keyboard_labels_the_current_row(browser, live_server, queue):
    page = sign_in_as_reviewer(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto("/admin/recognizer/drawing/")
    page.keyboard.press("j")
    page.keyboard.press("9")  # the doubtful 4 is really a 9
    wait_until(lambda: LabelChange.objects.count() == 1, message="the relabel")
    change = LabelChange.objects.get()
    assert (change.drawing_id, change.new_label) == (queue["doubtful"].pk, 9)
    expect(page.locator(".messagelist")).to_contain_text(f"#{queue['doubtful'].pk} labelled 9")
    # Reviewed now, it left the head of the queue; the cursor stays on the first row.
    assert row_ids(page)[0] == queue["unsure"].pk
    page.keyboard.press("c")
    wait_until(lambda: LabelChange.objects.count() == 2, message="the confirmation")
    assert LabelChange.objects.latest("id").new_label == 9  # the unsure drawing read as 9
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_review_pages_have_no_accessibility_violations(browser, live_server, queue, scheme):
    page = sign_in_as_reviewer(
        browser,
        live_server,
        viewport={"width": 1280, "height": 900},
        color_scheme=scheme,
        bypass_csp=True,
    )
    job = RetrainJob.objects.create(
        status="succeeded",
        active=None,
        epochs=2,
        epoch=2,
        candidate="cnn-20261203-candidate",
        options={"epochs": 2},
        val_accuracy=0.8888888888888888,
        report={
            "current_version": "cnn-20261122-56480d56",
            "mnist_count": 10000,
            "mnist_current": 0.9951,
            "mnist_new": 0.9953,
            "real_count": 0,
        },
        message="Better on MNIST; no held-out drawings yet.",
    )
    for path in (  # the dashboard last: the README's screenshot is of it
        f"/admin/recognizer/retrainjob/{job.pk}/change/",
        "/admin/recognizer/drawing/",
        "/admin/recognizer/drawing/dashboard/",
    ):
        page.goto(path)
        assert axe_violations(page) == [], path
    if scheme == "light":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)
    page.context.close()


def test_dashboard_fits_a_phone(browser, live_server, queue):
    page = sign_in_as_reviewer(browser, live_server, viewport={"width": 390, "height": 844})
    page.goto("/admin/recognizer/drawing/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link = page.locator(".matrix a").first
    link.focus()
    outline = link.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.context.close()


def test_dashboard_version_table_fits_1280_px(browser, live_server, queue):
    for name in ["cnn-20261122-56480d56", "cnn-20261203-0a1b2c3d-finetuned"]:
        DrawingFactory(label=1, prediction__model_version=name)
    page = sign_in_as_reviewer(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto("/admin/recognizer/drawing/dashboard/")
    table = page.locator("section[aria-labelledby=per-version]")
    widths = table.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], widths
    labels = page.locator("svg text").evaluate_all(
        "els => els.map(e => { const b = e.getBBox(); return [b.x, b.x + b.width]; })"
    )
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(labels)), labels  # no label overlaps
    page.context.close()


def test_review_queue_highlights_the_whole_current_row(browser, live_server, queue):
    page = sign_in_as_reviewer(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto("/admin/recognizer/drawing/")
    page.keyboard.press("j")
    row = page.locator("#result_list tbody tr.is-current")
    colours = row.locator("th, td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
    )
    assert len(set(colours)) == 1, colours
    page.context.close()
