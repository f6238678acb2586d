"""The number page in a real Chromium: a whole number drawn with the mouse, read and stored."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Number, NumberDigit
from tests.browser import (
    ONE,
    SCREENSHOTS,
    SEVEN_BAR,
    SEVEN_STEM,
    ZERO,
    axe_violations,
    draw,
    phone_page,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CANVAS = "#number-canvas"


def _in_slot(points, slot: int):
    """Move a stroke drawn on a square pad into the `slot`-th digit's place on the wide pad."""
    return [(0.08 + 0.28 * slot + 0.22 * x, y) for x, y in points]


def _draw_170(page):
    page.goto("/number/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    for slot, stroke in [(0, ONE), (1, SEVEN_BAR), (1, SEVEN_STEM), (2, ZERO)]:
        draw(page, _in_slot(stroke, slot), canvas=CANVAS)
    expect(page.locator("body")).to_have_attribute("data-settled", "true", timeout=10_000)
    expect(page.locator("#number-value")).to_have_text("170")


def _labels():
    return [d.drawing.label for d in NumberDigit.objects.order_by("position")]


def test_number_page_reads_a_number_drawn_with_the_mouse_and_stores_it(page):
    _draw_170(page)
    expect(page.locator(".box")).to_have_count(3)
    expect(page.locator(".digit-field")).to_have_count(3)
    page.click("#number-right")
    expect(page.locator("#number-feedback-status")).to_have_text("Thank you: saved as 170.")
    wait_until(lambda: _labels() == [1, 7, 0], message="the number's digits labelled")
    number = Number.objects.get()
    assert number.source == "canvas" and number.width == 3 * number.height
    assert [d.drawing.source for d in number.digits.all()] == ["canvas"] * 3


def test_number_page_corrects_one_digit_under_its_box(page):
    _draw_170(page)
    page.locator(".digit-field").nth(1).fill("1")
    page.click("#number-save")
    expect(page.locator("#number-feedback-status")).to_contain_text("saved as 110")
    wait_until(lambda: _labels() == [1, 1, 0], message="the corrected digit labelled")
    corrected = NumberDigit.objects.get(position=1).drawing
    assert corrected.drawer_label == 1 and corrected.read_right is False


def test_number_page_stores_a_number_left_unanswered_once(page):
    _draw_170(page)
    page.click("#clear")
    expect(page.locator("#status")).to_have_text("Cleared.")
    wait_until(lambda: Number.objects.count() == 1, message="the number stored")
    assert NumberDigit.objects.count() == 3 and _labels() == [None] * 3


def test_number_page_has_no_accessibility_violations(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    _draw_170(page)
    assert axe_violations(page) == []
    context.close()


def test_number_page_works_on_a_phone_held_sideways(browser, live_server):
    page, _ = phone_page(browser, live_server.url, {"width": 844, "height": 390})
    _draw_170(page)
    box = page.locator(CANVAS).bounding_box()
    assert box["width"] > 2.9 * box["height"] and box["x"] + box["width"] <= 844
    expect(page.locator(".digit-field").first).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "number-phone-landscape.png")
    page.context.close()


def test_number_page_screenshot_desktop(page):
    _draw_170(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "number-desktop.png", full_page=True)
