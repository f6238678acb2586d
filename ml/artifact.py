"""Write a versioned model folder: Keras model, served TFLite model, metrics and plots."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import keras
import numpy as np

from ml import data, measure, plots
from ml.inference import BROWSER_MODEL, METRICS, SERVED_MODEL, Predictor

MIN_AGREEMENT = 0.999  # served and Keras predictions must match on 99.9 % of the test set
ERROR_DISAGREE = "the served model agrees with Keras on only {agreement:.3%} of the test set"


def convert(model: keras.Model, *, batch: int | None = None) -> bytes:
    """Convert a Keras model to a TFLite flatbuffer for LiteRT, for any batch or a fixed one."""
    import tensorflow as tf

    if batch is not None:
        digit = keras.Input(shape=model.input_shape[1:], batch_size=batch, name="digit")
        model = keras.Model(digit, model(digit))
    # from_keras_model, not from_concrete_functions: the latter gave NaNs for Keras 3 models.
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def write_browser_model(model: keras.Model, folder: Path) -> Path:
    """Write the version's browser file: the same weights, one drawing at a time."""
    path = folder / BROWSER_MODEL
    path.write_bytes(convert(model, batch=1))
    return path


def write(
    model,
    *,
    output: Path,
    arch: str,
    test,
    raw_test: data.Digits,
    validation: data.Digits,
    val_negatives: np.ndarray,
    history,
    info,
) -> Path:
    """Write the artifact for `model` under `output` and return its folder."""
    flatbuffer = convert(model)
    today = dt.datetime.now(dt.UTC)
    version = f"{arch}-{today:%Y%m%d}-{hashlib.sha256(flatbuffer).hexdigest()[:8]}"
    folder = output / version
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.keras")
    (folder / SERVED_MODEL).write_bytes(flatbuffer)
    write_browser_model(model, folder)
    (folder / METRICS).write_text(json.dumps({"version": version}))

    x_test, y_test = test
    keras_probs = model.predict(x_test, batch_size=500, verbose=0)
    predictor = Predictor(folder)
    served = measure.served_probabilities(predictor, x_test[..., 0])
    agreement = float((served.argmax(1) == keras_probs.argmax(1)).mean())
    if agreement < MIN_AGREEMENT:
        raise RuntimeError(ERROR_DISAGREE.format(agreement=agreement))
    predicted = measure.digit_of(served)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_test, predicted), 1)
    loss = float(keras.losses.sparse_categorical_crossentropy(y_test, keras_probs).numpy().mean())
    canvas_outputs = measure.canvas_outputs(predictor, raw_test)
    canvas = measure.canvas_accuracy(raw_test, canvas_outputs)
    calibration = measure.calibrate(predictor, validation, val_negatives)
    uncertain = measure.uncertainty_report(predictor, calibration, raw_test, canvas_outputs)
    metrics = {
        "version": version,
        "arch": arch,
        "created_at": today.isoformat(timespec="seconds"),
        "test_accuracy": measure.accuracy_of(served, y_test),
        "test_loss": loss,
        "per_class_accuracy": (confusion.diagonal() / confusion.sum(1)).round(5).tolist(),
        "confusion_matrix": confusion.tolist(),
        "canvas_accuracy": canvas.accuracy,
        "canvas_accuracy_by_encoding": canvas.by_encoding,
        "uncertainty": calibration.to_metrics(),
        **uncertain,
        "served_agreement": agreement,
        "served_max_probability_diff": float(np.abs(served - keras_probs).max()),
        "params": int(model.count_params()),
        "served_model_bytes": len(flatbuffer),
        **info,
    }
    (folder / METRICS).write_text(json.dumps(metrics, indent=2) + "\n")
    plots.training_curves(history, folder / "curves.png")
    plots.confusion_matrix(confusion, folder / "confusion.png")
    plots.misclassified(raw_test, predicted, folder / "misclassified.png")
    print(json.dumps({k: v for k, v in metrics.items() if "matrix" not in k}, indent=2))
    return folder
