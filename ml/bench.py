"""Measure the serving path: preprocessing, LiteRT, the worst case, numbers, Keras, memory.

python -m ml.bench [--model models] [--runs 300]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from ml.cli import run
from ml.config import model_path
from ml.data import load_mnist
from ml.inference import Predictor, resolve_model_dir
from ml.measure import median_ms
from ml.number_synth import compose
from ml.numbers import read_number
from ml.preprocessing import ImageTooLargeError, preprocess
from ml.synth import encode, render_canvas

# Run in a fresh process: import, load the model, predict one PNG, report memory.
# Peak RSS is VmHWM: ru_maxrss would carry the parent's peak across fork and exec.
FIRST_PREDICTION = """
import sys, time
from ml.inference import Predictor
predictor = Predictor(sys.argv[1])
predictor.predict(open(sys.argv[2], "rb").read())
peak = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(time.time(), peak[0])
"""


def first_prediction(model_dir: Path, png: bytes) -> tuple[float, float]:
    """Return (seconds from process start to first prediction, peak RSS in MB)."""
    sample = Path("/tmp/mnistsite-bench.png")
    sample.write_bytes(png)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PREDICTION, str(model_dir), str(sample)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    return float(out[0]) - started, float(out[1]) / 1024


def keras_ms_per_digit(model_dir: Path, pixels: np.ndarray, runs: int) -> float:
    """Return the median time of Keras `model.predict` on one digit (how notebooks serve)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.models.load_model(model_dir / "model.keras")
    single = pixels[None, ..., None]
    model.predict(single, verbose=0)
    return median_ms(lambda: model.predict(single, verbose=0), runs)


def worst_case(predictor: Predictor, digit: np.ndarray, runs: int) -> dict:
    """Time the largest drawing accepted, a refused huge one, and a batch of 64 of the largest."""
    largest = render_canvas(digit, np.random.default_rng(1), "transparent", size=2048)
    huge = io.BytesIO()
    Image.new("L", (4096, 4096), 255).save(huge, format="PNG")

    def refuse():
        try:
            preprocess(huge.getvalue())
        except ImageTooLargeError:
            return
        raise AssertionError("a 4096x4096 image was accepted")

    started = time.perf_counter()
    predictor.predict_inputs([preprocess(largest) for _ in range(64)])
    return {
        "preprocess_ms_per_2048px_png_largest_accepted": median_ms(
            lambda: preprocess(largest), max(runs // 10, 5)
        ),
        "refuse_ms_per_4096px_png": median_ms(refuse, max(runs // 10, 5)),
        "batch_of_64_largest_seconds": time.perf_counter() - started,
    }


def number_timings(predictor: Predictor, digits, runs: int) -> dict:
    """Time reading whole numbers: digits apart, and every neighbouring pair touching."""
    rng = np.random.default_rng(2)

    def drawn(length: int, touch_share: float) -> list[bytes]:
        pngs = []
        for _ in range(8):
            picked = rng.choice(len(digits), length)
            ink, _ = compose([digits.images[i] for i in picked], rng, touch_share=touch_share)
            pngs.append(encode(ink, "transparent", rng))
        return pngs

    cases = {
        "number_ms_4_digits_apart": drawn(4, 0.0),
        "number_ms_6_digits_all_touching": drawn(6, 1.0),
        "number_ms_12_digits_all_touching": drawn(12, 1.0),
    }
    cycle = iter(range(10**9))

    def read_one(pngs: list[bytes]) -> None:
        read_number(predictor, pngs[next(cycle) % len(pngs)])

    return {name: median_ms(partial(read_one, pngs), runs) for name, pngs in cases.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=model_path())
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keras-runs", type=int, default=50)
    args = parser.parse_args(argv)

    model_dir = resolve_model_dir(args.model)
    digits = load_mnist().test
    rng = np.random.default_rng(0)
    pngs = [render_canvas(digits.images[i], rng, "transparent", size=280) for i in range(64)]
    cold_seconds, rss_mb = first_prediction(model_dir, pngs[0])

    predictor = Predictor(model_dir)
    inputs = [preprocess(png) for png in pngs]
    batch = np.stack([item.pixels for item in inputs])
    predictor.probabilities(batch[:1])
    cycle = iter(range(10**9))

    def one_png() -> bytes:
        return pngs[next(cycle) % len(pngs)]

    figures = {
        "model": predictor.version,
        "preprocess_ms_per_280px_png": median_ms(lambda: preprocess(one_png()), args.runs),
        "model_ms_per_digit_single": median_ms(
            lambda: predictor.probabilities(batch[next(cycle) % 64][None]), args.runs
        ),
        "model_ms_per_digit_batch64": median_ms(lambda: predictor.probabilities(batch), 50) / 64,
        "preprocess_and_predict_ms_per_png": median_ms(
            lambda: predictor.predict(one_png()), args.runs
        ),
        **worst_case(predictor, digits.images[0], args.runs),
        **number_timings(predictor, digits, max(args.runs // 30, 8)),
        "first_prediction_seconds_after_start": cold_seconds,
        "peak_rss_mb_serving_process": rss_mb,
    }
    figures["keras_predict_ms_per_digit"] = keras_ms_per_digit(model_dir, batch[0], args.keras_runs)
    figures["speedup_vs_keras_predict"] = (
        figures["keras_predict_ms_per_digit"] / figures["model_ms_per_digit_single"]
    )
    width = max(map(len, figures))
    for name, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        print(f"{name:<{width}}  {shown}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    run(main)
