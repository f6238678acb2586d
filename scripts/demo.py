"""Post digits to a running site the way a visitor would, then say which ones it got wrong.

Each digit is typed in a DejaVu font (or Pillow's own), thickened and tilted, drawn onto a
transparent 280 px canvas like the site's drawing pad, posted to POST /api/predictions/,
and answered with the true digit (PATCH, as the person who drew it gives feedback).

python scripts/demo.py --url http://127.0.0.1:8000 --count 50 --seed 1
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import io
import json
import sys
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = sorted(Path("/usr/share/fonts/truetype/dejavu").glob("DejaVu*.ttf"))


def typed_digit(digit: int, rng: np.random.Generator) -> bytes:
    """Return a canvas-like PNG of `digit`: dark ink on transparency, tilted a little."""
    size = int(rng.integers(140, 220))
    if FONTS:
        font = ImageFont.truetype(str(FONTS[rng.integers(len(FONTS))]), size)
    else:
        font = ImageFont.load_default(size)
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (140, 140),
        str(digit),
        font=font,
        anchor="mm",
        fill=(17, 17, 17, 255),
        stroke_width=int(rng.integers(1, 8)),
        stroke_fill=(17, 17, 17, 255),
    )
    image = image.rotate(float(rng.normal(0, 12)), resample=Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def call(opener, jar, method: str, url: str, body: dict) -> dict:
    """Send JSON as the visitor whose cookies are in `jar`, with their CSRF token."""
    csrf = next((cookie.value for cookie in jar if cookie.name == "csrftoken"), "")
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    with opener.open(request) as response:
        return json.load(response)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-feedback", action="store_true", help="leave them unlabelled")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    # One cookie jar: one visitor, who may then give feedback on their own drawings. The
    # canvas page gives the jar its CSRF token, which every write with cookies must send.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{args.url}/").close()
    wrong, versions = [], set()
    for _ in range(args.count):
        digit = int(rng.integers(10))
        png = "data:image/png;base64," + base64.b64encode(typed_digit(digit, rng)).decode()
        made = call(opener, jar, "POST", f"{args.url}/api/predictions/", {"image": png})
        versions.add(made["model_version"])
        if not args.no_feedback:
            call(opener, jar, "PATCH", made["url"], {"label": digit})
        if made["digit"] != digit:
            wrong.append((made["id"], digit, made["digit"], made["confidence"]))
    print(f"posted {args.count} digits to {args.url}, read by {', '.join(sorted(versions))}")
    print(f"right: {args.count - len(wrong)}, wrong: {len(wrong)}")
    for drawing_id, digit, read, confidence in wrong:
        print(f"  #{drawing_id}: a {digit} read as {read} ({confidence:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
