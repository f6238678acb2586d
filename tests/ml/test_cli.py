import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", ["evaluate", pytest.param("train", marks=pytest.mark.slow)])
def test_malformed_csv_is_one_line_naming_file_line_and_problem(tmp_path, command):
    bad = tmp_path / "digits.csv"
    bad.write_text("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n3,oops\n")
    args = (
        ["--data", str(bad), "--output", str(tmp_path)]
        if command == "train"
        else ["--data", str(bad)]
    )
    result = subprocess.run(
        [sys.executable, "-m", f"ml.{command}", *args], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    # TensorFlow may log its own start-up lines before; ours is one line, no traceback.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"python -m ml.{command}: error: ") and "Traceback" not in result.stderr
    assert "digits.csv, line 2: expected 785 columns, found 2" in last
