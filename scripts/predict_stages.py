"""Where the time of one stored prediction goes: each stage timed alone, then whole requests.

On a throwaway copy of the configured database (PostgreSQL with DATABASE_URL), with the
bench's bodies (the canvas's 280 px PNGs as JSON data URLs), it times per request: the JSON
parse and field validation, the PNG decode, preprocessing, the model, storing the drawing
and its prediction (one statement on PostgreSQL), and the response (serializer and JSON
rendering); then whole `POST /api/predictions/` requests through Django's handler with
every middleware. What the whole request costs beyond the stages is the framework: DRF's
request handling, authentication, throttling and the middleware. A cProfile of the whole
requests goes to reports/profile/. Usage: python scripts/predict_stages.py [--requests 300]
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mnistsite.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# Measure the path, not the throttle (as make bench does).
os.environ["PREDICT_ANON_RATE"] = os.environ["PREDICT_USER_RATE"] = "1000000/s"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from ml.preprocessing import decode_image, preprocess  # noqa: E402
from recognizer.core.owners import Owner  # noqa: E402
from recognizer.drawings import services  # noqa: E402
from recognizer.drawings.serializers import DrawingSerializer, PredictionCreateSerializer  # noqa: E402
from recognizer.serving.predictor import get_predictor  # noqa: E402
from scripts.bench import canvas_bodies  # noqa: E402

PATH = "/api/predictions/"


def timed(function, items) -> tuple[float, list]:
    """Run `function` on each item; return the median milliseconds and the results."""
    times, results = [], []
    for item in items:
        start = time.perf_counter()
        results.append(function(item))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), results


def stage_times(bodies: list[str]) -> dict[str, float]:
    """Time each stage of a stored prediction alone, in the order a request runs them."""
    predictor = get_predictor()
    parse_ms, forms = timed(lambda body: _validated(json.loads(body)), bodies)
    images = [form["image"] for form in forms]
    decode_ms, _ = timed(decode_image, images)
    preprocess_ms, inputs = timed(preprocess, images)
    model_ms, readings = timed(lambda one: predictor.predict_inputs([one])[0], inputs)
    store_ms, drawings = timed(_store, list(zip(images, readings, strict=True)))
    request = APIRequestFactory().post(PATH, HTTP_HOST="127.0.0.1")
    response_ms, _ = timed(lambda drawing: _response(drawing, request), drawings)
    return {
        "parse + validate (JSON, base64)": parse_ms,
        "decode PNG": decode_ms,
        "preprocess (after decode)": preprocess_ms - decode_ms,
        "model (LiteRT)": model_ms,
        "store (drawing + prediction rows)": store_ms,
        "response (serializer, JSON)": response_ms,
    }


def _validated(data: dict) -> dict:
    form = PredictionCreateSerializer(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


def _store(pair) -> object:
    image, reading = pair
    drawing = services._drawing_new(image, reading, source="canvas", owner=Owner())
    services._drawing_insert(drawing, label=None, owner=Owner())
    return drawing


def _response(drawing, request) -> bytes:
    data = DrawingSerializer([drawing], many=True, context={"request": Request(request)}).data
    return JSONRenderer().render(data)


def whole_requests(bodies: list[str], profile_to: Path | None) -> float:
    """Median milliseconds of whole POSTs through Django's handler and all middleware."""
    client = Client(HTTP_HOST="127.0.0.1")
    profiler = cProfile.Profile() if profile_to else None

    def post(body: str) -> int:
        client.cookies.clear()  # each a new visitor, as with make bench
        response = client.post(PATH, body, content_type="application/json")
        assert response.status_code == 201, response.content
        return response.status_code

    if profiler:
        profiler.enable()
    median, _ = timed(post, bodies)
    if profiler:
        profiler.disable()
        profile_to.parent.mkdir(parents=True, exist_ok=True)
        with profile_to.open("w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=Path, default=ROOT / "reports/profile/predict.txt")
    args = parser.parse_args()
    distinct = canvas_bodies(64)
    bodies = [distinct[i % len(distinct)] for i in range(args.requests)]
    if connection.vendor == "postgresql":  # its own throwaway database, never the suite's
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_stages"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        whole_requests(bodies[:20], None)  # warm up: model load, first queries
        stages = stage_times(bodies)
        whole = whole_requests(bodies, None)
        whole_requests(bodies, args.profile)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"{args.requests} requests on {connection.vendor}; median ms per request")
    for name, ms in stages.items():
        print(f"  {name:<44} {ms:7.3f}")
    work = sum(stages.values())
    print(f"  {'sum of the stages':<44} {work:7.3f}")
    print(f"  {'framework (DRF, auth, throttle, middleware)':<44} {whole - work:7.3f}")
    print(f"  {'whole request':<44} {whole:7.3f}")
    shown = args.profile.relative_to(ROOT) if args.profile.is_relative_to(ROOT) else args.profile
    print(f"profile of the whole requests: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
