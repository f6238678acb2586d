"""The live reading on the canvas page: at once, without stalls, and no error mid-stroke."""

import pytest
from playwright.sync_api import expect

from tests.browser import ONE, SEVEN_BAR, SEVEN_STEM, draw, open_canvas, read_digit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Records every error the status line shows, however briefly, from the page's first moment.
WATCH_ERRORS = """
window.statusErrors = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  new MutationObserver(() => {
    if (status.dataset.kind === "error") window.statusErrors.push(status.textContent);
  }).observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
});
"""
# The browser's idle-time encoders never answer: a page that waits for them never reads.
IDLE_ENCODERS_HANG = """
if (window.OffscreenCanvas) OffscreenCanvas.prototype.convertToBlob = () => new Promise(() => {});
HTMLCanvasElement.prototype.toBlob = () => {};
"""


def test_canvas_first_stroke_shows_no_error(page):
    page.add_init_script(WATCH_ERRORS)
    open_canvas(page)
    box = page.locator("#digit-canvas").bounding_box()
    x, y = box["x"] + 0.5 * box["width"], box["y"] + 0.15 * box["height"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 1, y + 2)  # the stroke's first moment: just a dot, read as such
    page.wait_for_timeout(900)  # that reading has come back
    page.mouse.move(x, box["y"] + 0.85 * box["height"], steps=12)
    page.mouse.up()
    assert read_digit(page) == "1"
    assert page.evaluate("window.statusErrors") == []
    expect(page.locator("#status")).to_have_text("")


def test_canvas_a_dot_alone_is_still_explained(page):
    open_canvas(page)
    box = page.locator("#digit-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#status")).to_have_attribute("data-kind", "error")
    expect(page.locator("#status")).to_contain_text("too small")


def test_canvas_reads_without_the_browsers_idle_time_encoders(page):
    page.add_init_script(IDLE_ENCODERS_HANG)
    open_canvas(page)
    draw(page, SEVEN_BAR)
    draw(page, SEVEN_STEM)
    assert read_digit(page) == "7"
    page.click('[data-label="7"]')
    expect(page.locator("#feedback-status")).to_contain_text("saved as 7")


def test_canvas_next_stroke_after_an_answer_says_a_new_drawing_began(page):
    open_canvas(page)
    draw(page, ONE)
    read_digit(page)
    page.click('[data-label="1"]')
    expect(page.locator("#feedback-status")).to_contain_text("saved as 1")
    draw(page, SEVEN_BAR)
    expect(page.locator("#status")).to_have_text("A new drawing: the last one is saved.")
