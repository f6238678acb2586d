"""Reading in the browser, measured in Chromium: latency, page weight, server requests per digit.

make browser-bench      # or: python scripts/browser_bench.py [--digits 12]

Serves the site (runserver, a throwaway SQLite database, the shipped model) and draws digits
with the mouse as a person does (strokes, pauses, an answer, Esc), once with the browser's own
model and once with the server reading (the browser model blocked), each on this machine's CPU
and with the CPU slowed four times (Chromium's throttling, a phone). Prints the median time from
the end of a stroke to the reading on the page, server requests per digit drawn, and what
reading in the browser adds to the page, gzip-compressed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ml import registry  # noqa: E402
from ml.inference import BROWSER_MODEL  # noqa: E402
from tests.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    FOUR_ANGLE,
    FOUR_STEM,
    ONE,
    SEVEN_BAR,
    SEVEN_STEM,
    ZERO,
    chromium_or_skip,
    draw,
)

DIGITS = [
    ([ONE], "1"),
    ([ZERO], "0"),
    ([SEVEN_BAR, SEVEN_STEM], "7"),
    ([FOUR_ANGLE, FOUR_STEM], "4"),
]
PAUSE_MS = 400  # between strokes, and before answering: a person looks at the reading
PHONE_SLOWDOWN = 4
ADDED = [
    "static/vendor/litertjs-2.5.3/litert.js",
    "static/vendor/litertjs-2.5.3/wasm-utils.js",
    "static/vendor/litertjs-2.5.3/litert_wasm_compat_internal.js",
    "static/vendor/litertjs-2.5.3/litert_wasm_compat_internal.wasm",
    "static/js/reader.js",
    "static/js/preprocess.js",
    "static/js/judge.js",
    "static/js/outbox.js",
]
# The time from the end of each stroke to the next reading announced on the page.
TIMER = """
window.strokeToReading = [];
document.addEventListener("DOMContentLoaded", () => {
  let ended = 0;
  document.addEventListener("pointerup", () => (ended = performance.now()), true);
  new MutationObserver(() => {
    if (ended) window.strokeToReading.push(performance.now() - ended);
    ended = 0;
  }).observe(document.getElementById("announcer"), { childList: true, subtree: true });
});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_site(folder: Path) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MODEL_PATH": str(folder / "models"),
        "PREDICT_ANON_RATE": "100000/min",
        "READ_ANON_RATE": "100000/min",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/livez", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("the site did not start in 60 s")


def session(browser, url: str, *, in_browser: bool, slowdown: int, digits: int) -> dict:
    """Draw `digits` digits on a fresh page; return the latencies and the server requests."""
    context = browser.new_context(base_url=url, service_workers="block")
    page = context.new_page()
    page.add_init_script(TIMER)
    if not in_browser:
        page.route("**/api/models/serving/", lambda route: route.abort())
    page.goto("/")
    if in_browser:
        page.wait_for_selector("body[data-reader=browser]", timeout=60_000)
    else:
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_timeout(1000)
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    requests = []
    # The site's own requests: not the page's blob: and data: images.
    page.on("request", lambda r: r.url.startswith(url) and requests.append(f"{r.method} {r.url}"))
    for index in range(digits):
        strokes, digit = DIGITS[index % len(DIGITS)]
        for stroke in strokes:
            draw(page, stroke)
            page.wait_for_timeout(PAUSE_MS)
        page.click(f'.answers [data-label="{digit}"]')
        page.wait_for_selector(f'#feedback-status:has-text("saved as {digit}")', timeout=30_000)
        page.keyboard.press("Escape")
    latencies = page.evaluate("window.strokeToReading")
    context.close()
    readings = sum("/api/readings/" in r for r in requests)
    return {"latencies": latencies, "requests": len(requests), "readings": readings}


def page_weight(models: Path) -> list[tuple[str, int, int]]:
    version = registry.serving_version(models)
    files = [ROOT / path for path in ADDED] + [models / version / BROWSER_MODEL]
    return [
        (
            str(path.relative_to(path.parents[1])),
            path.stat().st_size,
            len(gzip.compress(path.read_bytes(), 9)),
        )
        for path in files
    ]


def measure(url: str, digits: int) -> list[tuple[str, str, dict]]:
    """Draw in each mode on each CPU; return (mode, CPU, figures) rows."""
    from playwright.sync_api import sync_playwright

    cpus = (("desktop", 1), (f"phone ({PHONE_SLOWDOWN}x slower CPU)", PHONE_SLOWDOWN))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_ARGS)
        rows = [
            (
                mode,
                cpu,
                session(browser, url, in_browser=mode == "browser", slowdown=rate, digits=digits),
            )
            for mode in ("server", "browser")
            for cpu, rate in cpus
        ]
        browser.close()
    return rows


def report(rows, weight, digits: int) -> None:
    print(f"{digits} digits drawn per row (strokes, {PAUSE_MS} ms pauses, an answer each)\n")
    print(
        f"{'reading':<9}{'CPU':<28}{'stroke end -> reading, median':>31}{'requests/digit':>16}"
        f"{'readings/digit':>16}"
    )
    for mode, cpu, figures in rows:
        median = statistics.median(figures["latencies"])
        print(
            f"{mode:<9}{cpu:<28}{median:>28.1f} ms{figures['requests'] / digits:>16.2f}"
            f"{figures['readings'] / digits:>16.2f}"
        )
    print("\nAdded to the drawing page by reading in the browser (size, gzip -9):")
    for name, size, packed in weight:
        print(f"  {name:<52}{size / 1024:>9.0f} KiB{packed / 1024:>9.0f} KiB")
    total, packed = sum(w[1] for w in weight), sum(w[2] for w in weight)
    print(f"  {'total':<52}{total / 1024:>9.0f} KiB{packed / 1024:>9.0f} KiB")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=12)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        registry.seed(folder / "models", ROOT / "models")
        server, url = start_site(folder)
        try:
            rows = measure(url, args.digits)
        finally:
            server.terminate()
            server.wait()
        report(rows, page_weight(folder / "models"), args.digits)


if __name__ == "__main__":
    main()
