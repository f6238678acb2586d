"""Reading in the browser: the serving version's own model, the server's answers, offline."""

import base64
import io
import json
import shutil

import numpy as np
import pytest
from django.core.signals import request_started
from PIL import Image
from playwright.sync_api import expect

from ml.inference import BROWSER_MODEL, METRICS, predictor_for
from ml.preprocessing import preprocess, to_uint8
from recognizer.modelops import promotions
from recognizer.models import Drawing
from recognizer.serving.versions import serving_version
from tests.browser import (
    ONE,
    SEVEN_BAR,
    SEVEN_STEM,
    ZERO,
    draw,
    open_canvas,
    read_digit,
    wait_until,
)
from tests.conftest import canvas_png, mnist_test_digits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DRAWINGS = 240
FALLBACK = "Digit reader: reading on the server"
# The page's own modules read each drawing both ways: pixels for the browser's model, and the
# PNG the page would send, for the server's preprocessing.
READ_BOTH_WAYS = """async (pngs) => {
  const { BrowserReader } = await import("/static/js/reader.js");
  const { preprocess, toLevels } = await import("/static/js/preprocess.js");
  const reader = new BrowserReader();
  await reader.follow();
  const results = [];
  for (const b64 of pngs) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
    const context = canvas.getContext("2d");
    context.drawImage(bitmap, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const reading = await reader.read(image);
    const png = canvas.toDataURL("image/png");
    results.push({
      png: png.slice(png.indexOf(",") + 1),
      levels: Array.from(toLevels(preprocess(image))),
      probabilities: reading.probabilities,
      digit: reading.digit,
    });
  }
  return results;
}"""
STORAGE_FULL = """
IDBObjectStore.prototype.put = function () {
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};
"""


def wait_for_reader(page, state: str = "browser") -> None:
    expect(page.locator("body")).to_have_attribute("data-reader", state, timeout=30_000)


def wait_for_service_worker(page) -> None:
    wait_until(lambda: page.evaluate("() => !!navigator.serviceWorker.controller"), timeout=20)


def edge_touching(png: bytes) -> bytes:
    """The same drawing cropped to its ink: the server's other path (ink on the edges)."""
    image = Image.open(io.BytesIO(png))
    buffer = io.BytesIO()
    image.crop(image.getchannel("A").getbbox()).save(buffer, "PNG")
    return buffer.getvalue()


class ServerRequests:
    """Record the requests the live server receives, as (method, path)."""

    def __enter__(self):
        self.seen = []
        request_started.connect(self.record, dispatch_uid="test-server-requests")
        return self

    def record(self, sender, environ, **kwargs):
        self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))

    def __exit__(self, *exc):
        request_started.disconnect(dispatch_uid="test-server-requests")


def test_browser_reads_like_the_server(page, models_dir):
    pngs = [canvas_png(i) for i in range(DRAWINGS)]
    pngs = [edge_touching(png) if i % 4 == 3 else png for i, png in enumerate(pngs)]
    open_canvas(page)
    results = page.evaluate(READ_BOTH_WAYS, [base64.b64encode(png).decode() for png in pngs])
    predictor = predictor_for(models_dir)
    labels = mnist_test_digits().labels[:DRAWINGS]
    server_right = browser_right = 0
    for result, label in zip(results, labels, strict=True):
        sent = base64.b64decode(result["png"])
        levels = to_uint8(preprocess(sent).pixels).ravel()
        assert np.abs(levels.astype(int) - result["levels"]).max() <= 1
        reading = predictor.predict(sent)
        assert result["digit"] == reading.digit
        assert np.abs(np.array(result["probabilities"]) - reading.probabilities).max() < 1e-3
        server_right += reading.digit == label
        browser_right += result["digit"] == label
    assert browser_right == server_right and browser_right / DRAWINGS >= 0.98


def test_canvas_reads_in_the_browser_with_two_requests_per_digit(page, models_dir):
    open_canvas(page)
    wait_for_reader(page)
    with ServerRequests() as server:
        for strokes, digit in (([ZERO], "0"), ([ONE], "1"), ([SEVEN_BAR, SEVEN_STEM], "7")):
            for stroke in strokes:
                draw(page, stroke)
            assert read_digit(page) == digit
            page.click(f'.answers [data-label="{digit}"]')
            expect(page.locator("#feedback-status")).to_contain_text(f"saved as {digit}")
            page.keyboard.press("Escape")
    assert [path for _, path in server.seen if "readings" in path] == []
    assert len(server.seen) <= 2 * 3, server.seen
    for drawing in Drawing.objects.select_related("prediction"):
        prediction = drawing.prediction
        assert prediction.browser_version == prediction.model_version
        assert prediction.browser_digit == prediction.digit == drawing.label


@pytest.fixture
def offline_page(browser, live_server):
    """A page whose service worker runs: what makes the site work offline."""
    context = browser.new_context(base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_canvas_offline_drawing_is_read_and_stored_once_back_online(offline_page, models_dir):
    page = offline_page
    open_canvas(page)
    wait_for_reader(page)
    wait_for_service_worker(page)
    page.context.set_offline(True)
    page.reload()  # the page, its runtime and its model now come from the device
    open_canvas(page)
    wait_for_reader(page)
    draw(page, ZERO)
    assert read_digit(page) == "0"
    page.click('.answers [data-label="0"]')
    expect(page.locator("#feedback-status")).to_contain_text("when you are back online")
    assert not Drawing.objects.exists()
    page.context.set_offline(False)
    wait_until(lambda: Drawing.objects.exists(), message="the drawing to be stored")
    expect(page.locator("#status")).to_contain_text("Back online")
    page.wait_for_timeout(500)
    drawing = Drawing.objects.select_related("prediction").get()  # exactly one
    assert (drawing.label, drawing.label_source) == (0, "feedback")
    assert drawing.prediction.browser_version == drawing.prediction.model_version


def test_canvas_drawings_left_offline_are_sent_on_the_next_visit(browser, live_server, models_dir):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    open_canvas(page)
    wait_for_reader(page)
    context.set_offline(True)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.click('.answers [data-label="1"]')
    expect(page.locator("#feedback-status")).to_contain_text("when you are back online")
    page.close()  # the tab is closed while offline
    context.set_offline(False)
    later = context.new_page()
    open_canvas(later)
    wait_until(lambda: Drawing.objects.filter(label=1).exists(), message="the waiting drawing")
    later.wait_for_timeout(500)
    assert Drawing.objects.count() == 1
    context.close()


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_canvas_reads_on_the_server_when_the_browser_model_fails(
    page, models_dir, damage, settings, tmp_path
):
    settings.SHIPPED_MODEL_PATH = tmp_path / "shipped-elsewhere"
    path = models_dir / serving_version(models_dir) / BROWSER_MODEL
    if damage == "corrupt":
        path.write_bytes(b"TFL3 not a model" * 1000)
    else:
        path.unlink()
    warnings = []
    page.on("console", lambda m: FALLBACK in m.text and warnings.append(m.text))
    open_canvas(page)
    wait_for_reader(page, "server")
    with ServerRequests() as server:
        draw(page, ONE)
        assert read_digit(page) == "1"
    assert ("POST", "/api/readings/") in server.seen
    assert len(warnings) == 1


def test_canvas_follows_a_promotion_without_a_reload(page, models_dir, settings):
    settings.BROWSER_MODEL_CHECK_SECONDS = 1
    open_canvas(page)
    wait_for_reader(page)
    shipped = serving_version(models_dir)
    candidate = models_dir / "cnn-20990101-browser1"
    shutil.copytree(models_dir / shipped, candidate)
    metrics = json.loads((candidate / METRICS).read_text())
    (candidate / METRICS).write_text(json.dumps({**metrics, "version": candidate.name}))
    promotions.model_promote(version=candidate.name, by=None, action="manual")
    body = page.locator("body")
    expect(body).to_have_attribute("data-reader-version", candidate.name, timeout=15_000)
    draw(page, ZERO)
    assert read_digit(page) == "0"
    page.click('.answers [data-label="0"]')
    expect(page.locator("#feedback-status")).to_contain_text("saved as 0")
    prediction = Drawing.objects.select_related("prediction").get().prediction
    assert prediction.browser_version == prediction.model_version == candidate.name


def test_canvas_offline_with_storage_full_says_so_and_keeps_nothing(page, models_dir):
    page.add_init_script(STORAGE_FULL)
    open_canvas(page)
    wait_for_reader(page)
    page.context.set_offline(True)
    draw(page, ONE)
    assert read_digit(page) == "1"
    page.click('.answers [data-label="1"]')
    expect(page.locator("#feedback-status")).to_contain_text("storage is full")
    page.context.set_offline(False)
    page.click('.answers [data-label="1"]')  # the answer can be given again, now online
    expect(page.locator("#feedback-status")).to_contain_text("saved as 1")
    assert Drawing.objects.get().label == 1
