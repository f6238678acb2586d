import json

import numpy as np
import pytest

from ml import browser, train
from ml.inference import Predictor
from ml.training import WORK_DIR

pytestmark = pytest.mark.slow


def test_train_quick_writes_a_complete_served_artifact(tmp_path):
    folder = train.main(["--quick", "--output", str(tmp_path)])
    for name in (
        "model.keras",
        "model.tflite",
        "model-browser.tflite",
        "metrics.json",
        "history.csv",
        "curves.png",
        "confusion.png",
        "misclassified.png",
    ):
        assert (folder / name).is_file(), name
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["version"] == folder.name and metrics["quick"] is True
    assert metrics["served_agreement"] >= 0.999
    assert len(metrics["confusion_matrix"]) == 10 and len(metrics["per_class_accuracy"]) == 10
    for key in (
        "test_accuracy",
        "canvas_accuracy",
        "params",
        "epochs",
        "training_seconds",
        "data_hash",
        "digits_flagged",
        "unflagged_accuracy",
        "negatives_flagged",
        "ece",
    ):
        assert key in metrics
    thresholds = metrics["uncertainty"]
    assert thresholds["temperature"] > 0 and 0 <= thresholds["not_digit_threshold"] <= 1.01
    predictor = Predictor(folder)
    assert predictor.version == folder.name
    # The ten digits and "not a digit"; the thresholds come with the model.
    assert predictor.probabilities(np.zeros((2, 28, 28))).shape == (2, 11)
    assert predictor.calibration.to_metrics() == thresholds
    _assert_browser_file_is_the_served_model(folder)
    # A folder without one (made before browser files existed) gets it from its Keras model.
    (folder / "model-browser.tflite").unlink()
    assert browser.main([str(folder)]) == [folder / "model-browser.tflite"]
    _assert_browser_file_is_the_served_model(folder)


def _assert_browser_file_is_the_served_model(folder):
    """The browser's file: a batch of one (LiteRT.js refuses a dynamic batch), same answers."""
    from ai_edge_litert.interpreter import Interpreter

    browser = Interpreter(model_path=str(folder / "model-browser.tflite"))
    browser.allocate_tensors()
    (entry,) = browser.get_input_details()
    assert list(entry["shape_signature"]) == [1, 28, 28, 1]
    digits = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
    served = Predictor(folder).probabilities(digits)
    for digit, expected in zip(digits, served):
        browser.set_tensor(entry["index"], digit.reshape(1, 28, 28, 1))
        browser.invoke()
        output = browser.get_tensor(browser.get_output_details()[0]["index"])[0]
        assert np.abs(output - expected).max() < 1e-5


def test_train_quick_resumes_from_its_checkpoint(tmp_path):
    train.main(["--quick", "--output", str(tmp_path)])
    history = (tmp_path / WORK_DIR / "history.csv").read_text().splitlines()
    folder = train.main(["--quick", "--output", str(tmp_path), "--report-only", "--resume"])
    assert (folder / "metrics.json").is_file()
    assert (tmp_path / WORK_DIR / "history.csv").read_text().splitlines() == history


def test_train_quick_reads_a_kaggle_csv(tmp_path, mnist_test):
    header = ["label", *(f"pixel{i}" for i in range(784))]
    lines = [",".join(header)] + [
        ",".join(map(str, [int(label), *image.ravel().tolist()]))
        for image, label in zip(mnist_test.images[:1200], mnist_test.labels[:1200])
    ]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n")
    folder = train.main(
        ["--quick", "--data", str(tmp_path / "train.csv"), "--output", str(tmp_path)]
    )
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["data"] == str(tmp_path / "train.csv")
    assert metrics["train_size"] == 600  # 800 of the 1,080 training rows, less 200 for validation
    assert metrics["negatives"] > 150 and metrics["number_crops"] == 200  # counted apart
