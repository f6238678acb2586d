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
