"""Write the browser file of existing version folders (training writes it for new ones).

python -m ml.browser models/cnn-20261205-4218370c
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ml.cli import run


def main(argv=None) -> list[Path]:
    """Write `model-browser.tflite` beside each folder's `model.keras`."""
    import keras

    from ml import artifact

    parser = argparse.ArgumentParser(prog="python -m ml.browser", description=__doc__)
    parser.add_argument("folders", nargs="+", type=Path, help="version folders")
    written = []
    for folder in parser.parse_args(argv).folders:
        model = keras.models.load_model(folder / "model.keras")
        written.append(artifact.write_browser_model(model, folder))
        print(f"{written[-1]}: {written[-1].stat().st_size} bytes")
    return written


if __name__ == "__main__":
    run(main)
