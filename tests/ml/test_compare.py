import json

import pytest

from ml import compare

pytestmark = pytest.mark.slow


def test_compare_quick_writes_markdown_and_json_for_both_architectures(tmp_path):
    rows = compare.main(["--quick", "--runs", "5", "--output", str(tmp_path)])
    assert [row["arch"] for row in rows] == ["lenet5", "cnn"]
    table = (tmp_path / "compare.md").read_text().splitlines()
    assert table[0] == "| " + " | ".join(compare.COLUMNS.values()) + " |"
    assert table[2].startswith("| lenet5 |") and table[3].startswith("| cnn |")
    saved = json.loads((tmp_path / "compare.json").read_text())
    assert saved == rows
    lenet, cnn = rows
    assert lenet["params"] < cnn["params"]  # the baseline is the smaller network
    for row in rows:
        assert 0 < row["test_accuracy"] <= 1 and row["test_loss"] > 0
        assert row["training_seconds"] > 0 and row["served_ms_per_digit"] > 0
        assert row["served_model_kb"] > 0 and row["epochs"] == 1
