import re

from ml import evaluate


def test_evaluate_reports_accuracy_and_not_sure_rates(capsys):
    evaluate.main(["--split", "validation", "--limit", "120"])
    out = capsys.readouterr().out
    assert "canvas-style validation accuracy:" in out
    for line in (
        r"validation digits flagged: +\d+\.\d\d% \(canvas PNGs\)",
        r"accuracy on unflagged digits: +\d+\.\d{4}%",
        r"held-out negatives flagged: +\d+\.\d\d% \(1\d\d PNGs",
        r"calibration error \(ECE\): +0\.\d{4} raw, 0\.\d{4} after temperature scaling",
    ):
        assert re.search(line, out), line
    for kind in ("letter", "shape", "scribble", "partial"):
        assert re.search(rf"\n +{kind}: +\d+\.\d\d%", out), kind


def test_evaluate_numbers_reports_whole_numbers_and_digits(capsys):
    evaluate.main(["--split", "validation", "--numbers", "10"])
    out = capsys.readouterr().out
    assert "on 10 numbers drawn from the MNIST validation set" in out
    for line in (
        r"whole numbers read right: \d+\.\d\d% \(seed 4243\)",
        r"  2 digits +\d+\.\d\d% \(\d of 2\)",
        r"per-digit accuracy: +\d+\.\d\d% \(40 digits\)",
        r"the same digits alone: +\d+\.\d\d%",
        r"numbers read wrong: \d+ \(misread \d+, merged \d+, split \d+, refused \d+\)",
    ):
        assert re.search(line, out), line
