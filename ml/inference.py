"""Serve the model: LiteRT interpreter, loaded once per process, lazily and thread-safely."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.preprocessing import ModelInput, preprocess
from ml.uncertainty import Calibration, judge

SERVED_MODEL = "model.tflite"
# The same weights with a batch of one: LiteRT.js in the browser refuses a dynamic batch.
BROWSER_MODEL = "model-browser.tflite"
METRICS = "metrics.json"
CURRENT = "CURRENT"  # in a folder of versions: the name of the one to serve
ERROR_NO_MODEL = "no served model at {path}: train one with `python -m ml.train`"


class ModelNotFoundError(RuntimeError):
    """The configured model folder holds no served model."""


@dataclass(frozen=True)
class Reading:
    """What the model reads in one drawing, in plain Python values."""

    digit: int
    confidence: float
    probabilities: tuple[float, ...]  # the ten digits, calibrated, summing to 1
    model_version: str
    model_input: ModelInput
    inference_ms: float
    uncertain: bool = False
    uncertain_reason: str | None = None  # "not_a_digit" or "ambiguous" when uncertain
    alternatives: tuple[int, ...] = ()  # the likeliest digits, most likely first
    not_digit_probability: float = 0.0


class Predictor:
    """One LiteRT interpreter over a model folder; safe to share between threads."""

    def __init__(self, model_dir: str | Path, *, num_threads: int = 1) -> None:
        self.model_dir = Path(model_dir)
        self.num_threads = num_threads
        self._lock = threading.Lock()
        self._interpreter = None
        self._version: str | None = None
        self._batch = 0
        self._calibration = Calibration()

    @property
    def version(self) -> str:
        """Return the served model's version string (loads the model if needed)."""
        self._ensure_loaded()
        return self._version

    @property
    def calibration(self) -> Calibration:
        """Return the served model's temperature and thresholds (loads the model if needed)."""
        self._ensure_loaded()
        return self._calibration

    def _ensure_loaded(self) -> None:
        if self._interpreter is not None:
            return
        with self._lock:
            if self._interpreter is None:
                self._load()

    def _load(self) -> None:
        # Imported here so that importing this module costs nothing until first use.
        from ai_edge_litert.interpreter import Interpreter

        path = self.model_dir / SERVED_MODEL
        if not path.is_file():
            raise ModelNotFoundError(ERROR_NO_MODEL.format(path=path))
        metrics = json.loads((self.model_dir / METRICS).read_text())
        with _quiet_native_stderr():
            interpreter = Interpreter(model_path=str(path), num_threads=self.num_threads)
            interpreter.allocate_tensors()
        self._input = interpreter.get_input_details()[0]["index"]
        self._output = interpreter.get_output_details()[0]["index"]
        self._batch = int(interpreter.get_input_details()[0]["shape"][0])
        self._version = metrics["version"]
        self._calibration = Calibration.from_metrics(metrics)
        self._interpreter = interpreter

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """Return the raw (n, 11) outputs, (n, 10) for older models, for (n, 28, 28) inputs."""
        self._ensure_loaded()
        batch = np.ascontiguousarray(pixels, dtype=np.float32).reshape(-1, 28, 28, 1)
        with self._lock:
            if len(batch) != self._batch:
                self._interpreter.resize_tensor_input(self._input, batch.shape)
                self._interpreter.allocate_tensors()
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output).copy()

    def predict(self, data: bytes) -> Reading:
        """Preprocess encoded image bytes and predict the digit."""
        return self.predict_inputs([preprocess(data)])[0]

    def predict_inputs(self, inputs: list[ModelInput]) -> list[Reading]:
        """Predict already preprocessed inputs in one model call."""
        started = time.perf_counter()
        outputs = self.probabilities(np.stack([item.pixels for item in inputs]))
        judgements = judge(outputs, self._calibration)
        elapsed = (time.perf_counter() - started) * 1000 / len(inputs)
        return [
            Reading(
                digit=judged.alternatives[0],
                confidence=max(judged.probabilities),
                probabilities=judged.probabilities,
                model_version=self._version,
                model_input=item,
                inference_ms=elapsed,
                uncertain=judged.uncertain,
                uncertain_reason=judged.reason,
                alternatives=judged.alternatives,
                not_digit_probability=judged.not_digit_probability,
            )
            for item, judged in zip(inputs, judgements)
        ]


@contextlib.contextmanager
def _quiet_native_stderr():
    """Drop what native code prints on stderr meanwhile (LiteRT's delegate INFO line).

    LiteRT offers no Python switch for its C++ log; this brief window is at model load.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def resolve_model_dir(path: str | Path) -> Path:
    """Return the artifact folder to serve: `path` itself, or the version CURRENT names."""
    path = Path(path)
    if (path / SERVED_MODEL).is_file():
        return path
    pointer = path / CURRENT
    if pointer.is_file():
        return path / pointer.read_text().strip()
    raise ModelNotFoundError(ERROR_NO_MODEL.format(path=path))


_predictors: dict[Path, Predictor] = {}
_predictors_lock = threading.Lock()


def predictor_for(model_path: str | Path) -> Predictor:
    """Return the process-wide predictor for the model that `model_path` serves now."""
    # Resolved on every call (one small file read) so that a promoted model is picked up.
    key = resolve_model_dir(model_path).resolve()
    with _predictors_lock:
        if key not in _predictors:
            _predictors[key] = Predictor(key)
        return _predictors[key]
