"""What a person sees, in a real Chromium against a live server on PostgreSQL."""

import re

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.browser import (
    ONE,
    SCREENSHOTS,
    SEVEN_BAR,
    SEVEN_STEM,
    ZERO,
    axe_violations,
    draw,
    draw_touch,
    phone_page,
    wait_until,
)
from tests.conftest import canvas_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_canvas(page):
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def expect_digit(page, digit: str):
    expect(page.locator("#prediction-digit")).to_have_text(digit, timeout=10_000)


def wait_for_rows(count: int):
    wait_until(lambda: Drawing.objects.count() == count, message=f"{count} stored drawings")


def test_canvas_mouse_drawings_are_read(page):
    open_canvas(page)
    expect(page.locator("#prediction-digit")).to_have_text("")
    for strokes, digit in (([ONE], "1"), ([SEVEN_BAR, SEVEN_STEM], "7"), ([ZERO], "0")):
        page.click("#clear")
        for stroke in strokes:
            draw(page, stroke)
        expect_digit(page, digit)
        values = page.locator("#probabilities .p-value")
        expect(values).to_have_count(10)
        expect(values.nth(int(digit))).not_to_have_text("–")
        expect(page.locator("#model-input")).to_be_visible()
    page.click("#clear")
    wait_for_rows(3)
    stored = Drawing.objects.order_by("id").values_list("prediction__digit", "source")
    assert list(stored) == [(1, "canvas"), (7, "canvas"), (0, "canvas")]
    assert page.errors == []


def test_canvas_touch_drawing_on_a_phone(browser, live_server):
    page, cdp = phone_page(browser, live_server.url, PHONE)
    open_canvas(page)
    draw_touch(page, cdp, SEVEN_BAR)
    page.wait_for_timeout(400)
    draw_touch(page, cdp, SEVEN_STEM)
    expect_digit(page, "7")
    # Drawing must not have scrolled the page, and the answer is in thumb reach beside it.
    assert page.evaluate("window.scrollY") == 0
    for selector in (
        "#digit-canvas",
        "#prediction-digit",
        "#prediction-confidence",
        "#feedback-correct",
        '[data-label="0"]',
        '[data-label="9"]',
    ):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)
    canvas = page.locator("#digit-canvas").bounding_box()
    answers = page.locator("#quick").bounding_box()
    assert canvas["y"] + canvas["height"] <= answers["y"], "the answer bar covers the canvas"
    expect(page.locator("#prediction-confidence")).to_contain_text("sure")
    # Chrome takes a tap within a moment of a synthetic stroke as part of it; a thumb is slower.
    page.wait_for_timeout(1000)
    page.locator('[data-label="7"]').tap()
    expect(page.locator("#feedback-status")).to_contain_text("saved as 7")
    page.wait_for_timeout(400)  # the bars' 0.2 s glide to the final reading
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "canvas-phone.png")
    page.context.close()


@pytest.mark.parametrize("size", [(360, 640), (375, 667), (390, 844)])
def test_canvas_phone_keeps_canvas_and_tools_above_the_answer_bar(browser, live_server, size):
    width, height = size
    page, cdp = phone_page(browser, live_server.url, {"width": width, "height": height})
    open_canvas(page)
    draw_touch(page, cdp, ONE)
    expect_digit(page, "1")
    bar = page.locator("#quick").bounding_box()
    for selector in ("#digit-canvas", "#undo", "#clear"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"], (selector, box, bar)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)
    assert bar["y"] + bar["height"] <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.context.close()


def test_canvas_undo_and_clear(page):
    open_canvas(page)
    draw(page, SEVEN_STEM)
    expect_digit(page, "1")
    draw(page, SEVEN_BAR)
    expect_digit(page, "7")
    page.click("#undo")
    expect_digit(page, "1")
    page.click("#clear")
    expect(page.locator("#prediction-digit")).to_have_text("")
    expect(page.locator("#status")).to_have_text("Cleared.")


def test_canvas_feedback_shows_on_history(page):
    open_canvas(page)
    draw(page, ONE)
    expect_digit(page, "1")
    page.click('[data-label="7"]')
    expect(page.locator("#feedback-status")).to_contain_text("Thank you: saved as 7.")
    assert Drawing.objects.get().label == 7
    page.goto("/history/")
    item = page.locator(".history-item").first
    expect(item.locator(".h-label")).to_have_text("7")
    expect(item.locator(".h-verdict")).to_have_text("✗ Wrong")
    page.check("input[name=wrong]")
    page.click("text=Filter")
    expect(page.locator(".history-item")).to_have_count(1)
    page.select_option("#digit-filter", "3")
    page.click("text=Filter")
    expect(page.locator("#history-empty")).to_be_visible()


def test_canvas_correct_feedback(page):
    open_canvas(page)
    draw(page, ZERO)
    expect_digit(page, "0")
    page.click("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("Thank you: saved as 0.")
    expect(page.locator("#feedback-correct")).to_have_attribute("aria-pressed", "true")
    assert Drawing.objects.get().label_source == "feedback"


def test_canvas_upload_file(page, mnist_test):
    open_canvas(page)
    index = 0  # a 7 in the MNIST test set
    assert mnist_test.labels[index] == 7
    page.set_input_files(
        "#upload",
        files=[
            {
                "name": "seven.png",
                "mimeType": "image/png",
                "buffer": canvas_png(index, "dark_on_light"),
            }
        ],
    )
    expect_digit(page, "7")
    assert Drawing.objects.count() == 0  # read, not stored until the person is done
    page.click("#clear")
    wait_for_rows(1)
    assert Drawing.objects.get().source == "upload"


def test_canvas_drop_file(browser, live_server, mnist_test):
    # Building a DataTransfer needs script evaluation, which the site's CSP forbids.
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    open_canvas(page)
    png = list(canvas_png(1, "light_on_dark"))  # a 2
    transfer = page.evaluate_handle(
        """bytes => { const t = new DataTransfer();
           t.items.add(new File([new Uint8Array(bytes)], 'two.png', {type: 'image/png'}));
           return t; }""",
        png,
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    expect_digit(page, str(mnist_test.labels[1]))
    page.context.close()


def test_canvas_keyboard_only(page):
    open_canvas(page)
    draw(page, ONE)
    expect_digit(page, "1")
    focused = []
    while "upload" not in focused and len(focused) < 30:
        page.keyboard.press("Tab")
        focused.append(page.locator(":focus").get_attribute("id") or "")
    for control in ("undo", "clear", "pen-width", "upload"):
        assert control in focused, focused
    # Reach Clear with the keyboard and use it.
    while page.locator(":focus").get_attribute("id") != "clear":
        page.keyboard.press("Shift+Tab")
    outline = page.locator("#clear").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Cleared.")
    wait_for_rows(1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_canvas_and_history_have_no_accessibility_violations(browser, live_server, scheme):
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, bypass_csp=True, color_scheme=scheme
    )
    page = context.new_page()
    for path in ("/", "/history/"):
        page.goto(path)
        if path == "/":
            draw(page, ONE)
            expect_digit(page, "1")
            page.click('[data-label="1"]')
            expect(page.locator("#feedback-status")).to_contain_text("saved as 1")
            expect(page.locator(".result")).not_to_have_class(re.compile("is-provisional"))
        assert axe_violations(page) == [], path
    page.context.close()


def test_canvas_screenshot_desktop(page):
    open_canvas(page)
    draw(page, SEVEN_BAR)
    draw(page, SEVEN_STEM)
    expect_digit(page, "7")
    page.wait_for_timeout(400)  # the bars' 0.2 s glide to the final reading
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "canvas-desktop.png")
    page.goto("/history/")
    page.screenshot(path=SCREENSHOTS / "history-desktop.png")


def test_pages_load_only_the_sites_own_assets(page, live_server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_canvas(page)
    page.goto("/history/")
    assert requests and all(url.startswith(live_server.url) for url in requests), requests


def test_api_docs_render_without_breaking_the_content_policy(page):
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    page.goto("/api/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=15_000)
    assert not [text for text in violations if "Content Security Policy" in text], violations
