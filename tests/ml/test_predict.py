import csv

import numpy as np

from ml import predict
from tests.conftest import canvas_png, number_of, number_png

SHIPPED = "models"


def _folder(tmp_path, indices):
    folder = tmp_path / "digits"
    folder.mkdir()
    for i in indices:
        (folder / f"digit{i:02d}.png").write_bytes(canvas_png(i, "dark_on_light"))
    return folder


def test_predict_cli_on_a_folder_prints_one_line_per_image(tmp_path, capsys, mnist_test):
    folder = _folder(tmp_path, range(6))
    assert predict.main([str(folder), "--model", SHIPPED]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6
    names, digits, confidences = zip(*(line.split("\t") for line in lines))
    assert [n.rsplit("/", 1)[1] for n in names] == [f"digit{i:02d}.png" for i in range(6)]
    assert [int(d) for d in digits] == list(mnist_test.labels[:6])
    assert all(0 < float(c) <= 1 for c in confidences)


def test_predict_cli_reports_and_skips_unreadable_files(tmp_path, capsys):
    folder = _folder(tmp_path, range(2))
    (folder / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out.csv"
    assert predict.main([str(folder), "--model", SHIPPED, "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert "broken.png\tERROR\tThe file is not a PNG" in captured.err
    assert "1 of 3 inputs could not be read" in captured.err
    rows = list(csv.DictReader(out.open()))
    assert [row["error"] != "" for row in rows] == [True, False, False]


def test_predict_cli_on_a_csv_writes_a_kaggle_submission(tmp_path, mnist_test):
    source = tmp_path / "test.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"pixel{i}" for i in range(784)])
        writer.writerows(mnist_test.images[:20].reshape(20, -1).tolist())
    out = tmp_path / "submission.csv"
    assert (
        predict.main(
            [str(source), "--model", SHIPPED, "--output", str(out), "--format", "kaggle", "--quiet"]
        )
        == 0
    )
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ImageId", "Label"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 21))
    labels = np.array([int(r[1]) for r in rows[1:]])
    assert (labels == mnist_test.labels[:20]).mean() >= 0.95


def test_predict_cli_reports_a_malformed_csv(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,pixel0\n1,2\n")
    assert predict.main([str(bad), "--model", SHIPPED]) == 1
    assert "expected a header" in capsys.readouterr().err


def test_predict_cli_reads_whole_numbers(tmp_path, capsys):
    (tmp_path / "year.png").write_bytes(number_png([1, 3, 1, 11]))
    (tmp_path / "blank.png").write_bytes(number_png([0])[:20])
    out = tmp_path / "numbers.csv"
    code = predict.main(["--number", str(tmp_path), "--model", SHIPPED, "--output", str(out)])
    assert code == 1  # one file could not be read
    captured = capsys.readouterr()
    name, number, confidence = captured.out.strip().split("\t")
    assert name.endswith("year.png") and number == number_of([1, 3, 1, 11]) == "2026"
    assert 0 < float(confidence) <= 1
    assert "blank.png\tERROR\t" in captured.err
    rows = list(csv.DictReader(out.open()))
    assert [row["number"] for row in rows] == ["", "2026"]
