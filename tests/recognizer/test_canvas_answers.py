"""What an answer on the canvas page stores: what its button says, with the drawing as it is.

Real Chromium on desktop and phone sizes, a live server, the served model.
"""

import re

import pytest
from playwright.sync_api import expect

from recognizer.models import NOT_A_DIGIT, Drawing
from tests.browser import (
    FOUR_ANGLE,
    FOUR_STEM,
    ONE,
    STAR,
    draw,
    draw_touch,
    ink_rows,
    open_canvas,
    phone_page,
    read_digit,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 667}
SLOW_NETWORK = {"offline": False, "latency": 300, "downloadThroughput": -1, "uploadThroughput": -1}


def stored(count: int = 1) -> list[Drawing]:
    wait_until(lambda: Drawing.objects.filter(label__isnull=False).count() == count)
    return list(Drawing.objects.select_related("prediction").order_by("id"))


@pytest.fixture(params=["desktop", "phone"])
def any_page(request, page, browser, live_server):
    """The canvas page in a desktop window, and on a touch phone (strokes by finger)."""
    if request.param == "desktop":
        page.stroke, page.press_button = (lambda points: draw(page, points)), page.click
        yield page
        return
    phone, cdp = phone_page(browser, live_server.url, PHONE)
    phone.stroke = lambda points: draw_touch(phone, cdp, points)
    phone.press_button = lambda selector: phone.locator(selector).tap()
    phone.errors = []
    phone.on("pageerror", lambda error: phone.errors.append(str(error)))
    yield phone
    phone.context.close()


def test_canvas_yes_on_a_star_stores_not_a_digit(any_page):
    page = any_page
    open_canvas(page)
    page.stroke(STAR)
    assert read_digit(page) == "?"
    expect(page.locator("#prediction-confidence")).to_have_text("That doesn't look like a digit")
    yes = page.locator("#feedback-correct")
    expect(yes).to_have_text("✓ Right, it's not a digit")
    page.wait_for_timeout(600)  # a thumb lifts before it taps
    page.press_button("#feedback-correct")
    expect(page.locator("#feedback-status")).to_contain_text("saved as not a digit")
    (drawing,) = stored()
    assert drawing.label == NOT_A_DIGIT and drawing.read_right is True
    assert page.errors == []


def test_canvas_yes_names_the_digit_it_confirms(page):
    open_canvas(page)
    draw(page, ONE)
    assert read_digit(page) == "1"
    expect(page.locator("#feedback-correct")).to_have_text("✓ Yes, it's a 1")
    expect(page.locator('[data-label="1"]')).to_have_attribute("aria-label", "Yes, it's a 1")
    expect(page.locator('[data-label="7"]')).to_have_attribute("aria-label", "No, it's a 7")
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Read as 1, [\d.]+% sure\.$"))


def test_canvas_quick_answer_on_a_slow_network_stores_every_stroke(page):
    open_canvas(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK)
    draw(page, FOUR_ANGLE)
    read_digit(page)  # the first stroke's reading has arrived
    draw(page, FOUR_STEM)
    page.click('[data-label="4"]', delay=0)  # well within 150 ms of the last stroke
    expect(page.locator("#feedback-status")).to_contain_text("saved as 4", timeout=15_000)
    (drawing,) = stored()
    top, bottom = ink_rows(drawing)
    assert bottom > 0.85 and top < 0.16, (top, bottom)  # the stem is in the stored image
    assert drawing.label == 4 and drawing.prediction.digit == 4
    assert page.errors == []


def test_canvas_history_link_shows_the_drawing_just_left(page):
    open_canvas(page)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.click("nav >> text=History")
    expect(page).to_have_url(re.compile(r"/history/$"))
    expect(page.locator(".history-item")).to_have_count(1)
    assert Drawing.objects.count() == 1


HOOKED_ONE = [(0.38, 0.28), (0.56, 0.15), (0.52, 0.85)]  # a 1 or a 7: the model is not sure


def test_canvas_not_sure_offers_its_alternatives_and_no_bare_yes(page):
    open_canvas(page)
    page.locator("#pen-width").fill("24")
    draw(page, HOOKED_ONE)
    expect(page.locator("#prediction-confidence")).to_have_text(
        re.compile(r"^Not sure — \d or \d\?$")
    )
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Not sure — \d or \d\?$"))
    expect(page.locator("#feedback-correct")).to_be_hidden()
    expect(page.locator("#feedback-title")).to_have_text("Which digit is it?")
    choices = page.locator("#feedback .choice")
    expect(choices).to_have_text(["It's a 1", "It's a 7"])
    choices.nth(1).click()
    expect(page.locator("#feedback-status")).to_contain_text("saved as 7")
    (drawing,) = stored()
    assert drawing.label == 7 and drawing.prediction.uncertain_reason == "ambiguous"
