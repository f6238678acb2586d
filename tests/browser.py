"""Driving the system Chromium with Playwright (its own browser download does not work here)."""

import io
import itertools
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Tests write screenshots to a temporary folder; `make screenshots` points this at
# docs/screenshots to refresh the README's pictures on purpose.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "mnistsite-screenshots"
)
ERROR_NO_CHROMIUM = f"Chromium not found at {CHROMIUM}: apt-get install chromium"


def chromium_or_skip() -> str:
    """Return Chromium's path; skip the test without it, unless REQUIRE_BROWSER is set."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(ERROR_NO_CHROMIUM)
    pytest.skip(ERROR_NO_CHROMIUM)


def phone_page(browser, base_url: str, viewport: dict):
    """Open a page on an emulated touch phone; return it and its DevTools session (for touch)."""
    context = browser.new_context(
        viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=2, base_url=base_url
    )
    page = context.new_page()
    return page, context.new_cdp_session(page)


def draw(page, points, *, steps: int = 12, canvas: str = "#digit-canvas") -> None:
    """Draw one stroke with the mouse through points given as fractions of the canvas."""
    box = page.locator(canvas).bounding_box()
    to_px = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*to_px[0])
    page.mouse.down()
    for x, y in to_px[1:]:
        page.mouse.move(x, y, steps=steps)
    page.mouse.up()


def draw_touch(page, cdp, points, *, steps: int = 12) -> None:
    """Draw one stroke with a finger (touch events through the DevTools protocol)."""
    box = page.locator("#digit-canvas").bounding_box()
    to_px = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    path = [to_px[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(to_px):
        path += [
            (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(1, steps + 1)
        ]

    def touch(kind, point):
        points = [] if point is None else [{"x": point[0], "y": point[1]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", path[0])
    for point in path[1:]:
        touch("touchMove", point)
    touch("touchEnd", None)


def ellipse(cx=0.5, cy=0.5, rx=0.22, ry=0.33, n=36):
    import math

    return [
        (cx + rx * math.sin(2 * math.pi * i / n), cy - ry * math.cos(2 * math.pi * i / n))
        for i in range(n + 1)
    ]


PROVISIONAL = re.compile(r"\bis-provisional\b")


def open_canvas(page) -> None:
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def read_digit(page) -> str:
    """Wait for the live reading to settle and return the digit shown."""
    expect(page.locator(".result")).not_to_have_class(PROVISIONAL, timeout=10_000)
    digit = page.locator("#prediction-digit")
    expect(digit).not_to_have_text("", timeout=10_000)
    return digit.inner_text()


def ink_rows(drawing) -> tuple[float, float]:
    """Return the top and bottom of the ink in a stored image, as fractions of its height."""
    image = Image.open(io.BytesIO(bytes(drawing.image)))
    alpha = np.asarray(image.convert("RGBA"))[:, :, 3]
    rows = np.flatnonzero(alpha.max(axis=1) > 0)
    return rows[0] / alpha.shape[0], rows[-1] / alpha.shape[0]


def wait_until(condition, *, timeout: float = 10.0, message: str = "condition"):
    """Poll `condition` (e.g. a database count the page's requests change) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)


def axe_violations(page) -> list[tuple[str, str]]:
    """Run axe-core on the page and return every violation as (rule, help)."""
    from axe_playwright_python.sync_playwright import Axe

    return [(v["id"], v["help"]) for v in Axe().run(page).response["violations"]]


def star(cx=0.5, cy=0.52, r=0.36):
    """A five-pointed star in one stroke: no digit at all."""
    import math

    return [
        (
            cx + r * math.cos(math.radians(-90 + 144 * i)),
            cy + r * math.sin(math.radians(-90 + 144 * i)),
        )
        for i in range(6)
    ]


ONE = [(0.52, 0.15), (0.48, 0.85)]
SEVEN_BAR = [(0.28, 0.2), (0.72, 0.2)]
SEVEN_STEM = [(0.72, 0.2), (0.45, 0.85)]
ZERO = ellipse()
FOUR_ANGLE = [(0.55, 0.12), (0.22, 0.62), (0.8, 0.62)]
FOUR_STEM = [(0.62, 0.35), (0.62, 0.9)]
X_DOWN = [(0.25, 0.2), (0.75, 0.8)]
X_UP = [(0.75, 0.2), (0.25, 0.8)]
STAR = star()
