"""When the canvas page stores a drawing: once per digit, when the person is done with it.

Real Chromium, real pointer events at a human pace, a live server on the test database.
"""

import re

import pytest
from playwright.sync_api import expect

from recognizer.models import NOT_A_DIGIT, Drawing, LabelChange
from tests.browser import (
    FOUR_ANGLE,
    FOUR_STEM,
    ONE,
    PROVISIONAL,
    SEVEN_BAR,
    SEVEN_STEM,
    X_DOWN,
    X_UP,
    ZERO,
    draw,
    ink_rows,
    open_canvas,
    read_digit,
    wait_until,
)
from tests.conftest import canvas_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAUSES_MS = (300, 450, 600)
NOT_AN_IMAGE = "That file is not an image this site can read"
# Records each change of the result's provisional look, from now on.
WATCH_RESULT = """() => {
  window.resultChanges = [];
  const result = document.querySelector(".result");
  let last = result.classList.contains("is-provisional");
  new MutationObserver(() => {
    const now = result.classList.contains("is-provisional");
    if (now !== last) window.resultChanges.push(now);
    last = now;
  }).observe(result, { attributes: true, attributeFilter: ["class"] });
}"""


def wait_for_rows(count: int):
    wait_until(lambda: Drawing.objects.count() == count, message=f"{count} stored drawings")


def test_canvas_stores_one_row_per_multi_stroke_digit(page):
    open_canvas(page)
    digits = [[SEVEN_BAR, SEVEN_STEM], [FOUR_ANGLE, FOUR_STEM], [X_DOWN, X_UP]]
    shown = []
    for n, strokes in enumerate(digits):
        for i, stroke in enumerate(strokes):
            draw(page, stroke)
            read_digit(page)  # the live reading after each stroke
            page.wait_for_timeout(PAUSES_MS[(n + i) % len(PAUSES_MS)])
        assert Drawing.objects.count() == n  # readings store nothing
        shown.append(read_digit(page))
        page.click("#clear")
        wait_for_rows(n + 1)
    page.wait_for_timeout(500)
    drawings = list(Drawing.objects.order_by("id").select_related("prediction"))
    assert len(drawings) == 3
    # Each row holds the whole digit, as last read: the four's stem reaches below its angle.
    # What the page showed: the digit, or "?" where the model was not sure (the X).
    assert ["?" if d.prediction.uncertain else str(d.prediction.digit) for d in drawings] == shown
    assert shown[0] == "7"
    top, bottom = ink_rows(drawings[1])
    assert bottom > 0.85 and top < 0.16, (top, bottom)
    assert {d.source for d in drawings} == {"canvas"}
    assert page.errors == []


def test_canvas_x_says_not_a_digit_and_takes_that_answer(page):
    open_canvas(page)
    draw(page, X_DOWN)
    draw(page, X_UP)
    expect(page.locator("#prediction-confidence")).to_have_text(
        "That doesn't look like a digit", timeout=10_000
    )
    assert read_digit(page) == "?"
    expect(page.locator("#feedback-correct")).to_have_text("✓ Right, it's not a digit")
    expect(page.locator("#feedback-not-digit")).to_be_hidden()  # the same answer, once
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("saved as not a digit")
    drawing = Drawing.objects.select_related("prediction").get()
    assert drawing.label == NOT_A_DIGIT and drawing.label_source == "feedback"
    assert drawing.prediction.uncertain_reason == "not_a_digit"
    assert not Drawing.objects.for_training().exists()
    assert page.errors == []


def test_canvas_undo_and_reupload_add_no_rows(page):
    open_canvas(page)
    draw(page, SEVEN_BAR)
    draw(page, SEVEN_STEM)
    assert read_digit(page) == "7"
    page.click("#undo")
    page.keyboard.press("Control+z")
    expect(page.locator("#prediction-digit")).to_have_text("")
    draw(page, ONE)
    assert read_digit(page) == "1"
    assert Drawing.objects.count() == 0
    png = {"name": "seven.png", "mimeType": "image/png", "buffer": canvas_png(0)}
    page.set_input_files("#upload", files=[png])  # moving on: the drawn 1 is stored
    wait_for_rows(1)
    assert read_digit(page) == "7"
    page.set_input_files("#upload", files=[])
    page.set_input_files("#upload", files=[png])
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("saved as 7")
    page.click("#undo")
    page.keyboard.press("Escape")
    wait_for_rows(2)
    page.wait_for_timeout(500)
    assert list(Drawing.objects.order_by("id").values_list("source", "label")) == [
        ("canvas", None),
        ("upload", 7),
    ]


def test_canvas_retried_store_adds_no_row(page):
    open_canvas(page)
    draw(page, ZERO)
    assert read_digit(page) == "0"
    lost = []

    def lose_first_answer(route):
        # The server stores the drawing, but its answer never reaches the page.
        response = route.fetch()
        if not lost:
            lost.append(response.status)
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/predictions/", lose_first_answer)
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("cannot be reached")
    assert lost == [201] and Drawing.objects.count() == 1
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("saved as 0")
    drawing = Drawing.objects.get()
    assert drawing.label == 0 and drawing.idempotency_key


def test_canvas_leaving_the_page_stores_a_read_drawing_once(page):
    open_canvas(page)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.goto("/history/")
    wait_for_rows(1)
    page.reload()
    expect(page.locator(".history-item")).to_have_count(1)
    page.go_back()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.goto("/history/")  # an empty canvas left behind stores nothing
    page.wait_for_timeout(500)
    assert Drawing.objects.count() == 1
    assert Drawing.objects.get().label is None


def test_canvas_unread_drawing_is_not_stored(page):
    page.route("**/api/models/serving/", lambda route: route.abort())  # no browser model
    page.route("**/api/readings/", lambda route: None)  # the reading never comes back
    open_canvas(page)
    draw(page, ONE)
    page.keyboard.press("Escape")
    page.goto("/history/")
    page.wait_for_timeout(500)
    assert Drawing.objects.count() == 0


def test_canvas_answer_can_be_changed_once(page):
    open_canvas(page)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.click('[data-label="7"]')
    expect(page.locator("#feedback-status")).to_contain_text("Pick again to change it")
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("Only a reviewer can change it")
    expect(page.locator('[data-label="7"]')).to_be_disabled()
    expect(page.locator("#feedback-correct")).to_have_attribute("aria-pressed", "true")
    drawing = Drawing.objects.get()
    assert drawing.label == 1 and drawing.label_source == "feedback"
    trail = LabelChange.objects.filter(drawing=drawing).order_by("id")
    assert [(c.old_label, c.new_label, c.source) for c in trail] == [
        (None, 7, "feedback"),
        (7, 1, "feedback"),
    ]


def test_canvas_non_image_upload_says_so_and_keeps_the_drawing(page):
    open_canvas(page)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.set_input_files(
        "#upload", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    expect(page.locator("#status")).to_contain_text(NOT_AN_IMAGE)
    expect(page.locator("#prediction-digit")).to_have_text("1")
    assert page.locator("#digit-canvas").evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v > 0)"
    )
    assert Drawing.objects.count() == 0


def test_canvas_stroke_readings_look_provisional_without_blinking(page):
    open_canvas(page)
    page.evaluate(WATCH_RESULT)
    # One slow stroke of a 7: several readings arrive while the mouse is still down.
    box = page.locator("#digit-canvas").bounding_box()
    page.mouse.move(box["x"] + 0.28 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    for x, y in [(0.72, 0.2), (0.6, 0.45), (0.45, 0.85)]:
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
        page.wait_for_timeout(450)
        expect(page.locator(".result")).to_have_class(PROVISIONAL)
    page.mouse.up()
    assert read_digit(page) == "7"
    changes = page.evaluate("window.resultChanges")
    # Provisional once, when the stroke started, and settled once, by the final reading.
    assert changes == [True, False], changes
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Read as 7"))


def test_canvas_announces_each_reading_once(page):
    open_canvas(page)
    draw(page, ZERO)
    assert read_digit(page) == "0"
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Read as 0, [\d.]+% sure\.$"))
    assert page.locator("[aria-live]").count() == 1


def test_canvas_shows_the_sessions_drawings(page):
    open_canvas(page)
    draw(page, ONE)
    read_digit(page)
    page.click('[data-label="1"]')
    expect(page.locator("#recent li")).to_have_count(1)
    draw(page, ZERO)  # a stroke after answering starts the next digit
    read_digit(page)
    page.keyboard.press("Escape")
    expect(page.locator("#recent li")).to_have_count(2)
    page.reload()
    expect(page.locator("#recent li")).to_have_count(2)
    expect(page.locator("#recent-section a")).to_have_attribute("href", "/history/")
