"""Predict digits in image files, folders of images, or CSVs of pixels; or whole numbers.

python -m ml.predict digits/ seven.png             # one line per input
python -m ml.predict test.csv --output out.csv --format kaggle
python -m ml.predict --number year.png             # every digit of a drawn number
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ml.config import model_path
from ml.data import DataFormatError, load_csv
from ml.inference import Predictor, resolve_model_dir
from ml.numbers import read_number
from ml.preprocessing import PreprocessingError, preprocess, preprocess_array

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
BATCH = 256


@dataclass(frozen=True)
class Row:
    name: str
    digit: int | str | None  # a whole number's digits with --number
    confidence: float | None
    error: str = ""
    uncertain: str = ""  # "not_a_digit" or "ambiguous" when the model is not sure


def image_files(paths: list[Path]) -> Iterator[Path]:
    """Yield the image files named, and those in the folders named, in order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            yield path


def read_numbers(predictor: Predictor, paths: list[Path]) -> Iterator[Row]:
    """Read each image as a whole number: its digits, and the least confident one's confidence."""
    for path in image_files(paths):
        try:
            number = read_number(predictor, path.read_bytes())
        except (PreprocessingError, OSError) as error:
            yield Row(str(path), None, None, str(error))
            continue
        confidence = min(digit.reading.confidence for digit in number.digits)
        uncertain = "uncertain" if number.uncertain else ""
        yield Row(str(path), number.number, confidence, uncertain=uncertain)


def inputs(paths: list[Path]) -> Iterator[tuple[str, object]]:
    """Yield (name, model input or error message) for every image and CSV row."""
    for path in paths:
        if path.is_dir():
            yield from inputs(list(image_files([path])))
        elif path.suffix.lower() == ".csv":
            try:
                digits = load_csv(path)
            except (DataFormatError, OSError) as error:
                yield str(path), str(error)
                continue
            for index, image in enumerate(digits.images, start=1):
                yield f"{path}:{index}", preprocess_array(image)
        else:
            try:
                yield str(path), preprocess(path.read_bytes())
            except (PreprocessingError, OSError) as error:
                yield str(path), str(error)


def predict_all(predictor: Predictor, items, progress) -> Iterator[Row]:
    """Predict in batches, keeping the input order and reporting bad inputs as rows."""
    pending: list[tuple[str, object]] = []

    def flush():
        good = [(name, item) for name, item in pending if not isinstance(item, str)]
        results = iter(predictor.predict_inputs([item for _, item in good]) if good else [])
        for name, item in pending:
            if isinstance(item, str):
                yield Row(name, None, None, item)
            else:
                result = next(results)
                yield Row(
                    name, result.digit, result.confidence, uncertain=result.uncertain_reason or ""
                )
        progress(len(pending))
        pending.clear()

    for name, item in items:
        pending.append((name, item))
        if len(pending) == BATCH:
            yield from flush()
    yield from flush()


def write_csv(rows: list[Row], path: Path, kaggle: bool, column: str = "digit") -> None:
    """Write results as file,digit,confidence,uncertain,error or as Kaggle's ImageId,Label."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        if kaggle:
            writer.writerow(["ImageId", "Label"])
            writer.writerows((i, row.digit) for i, row in enumerate(rows, start=1) if not row.error)
        else:
            writer.writerow(["file", column, "confidence", "uncertain", "error"])
            for row in rows:
                confidence = "" if row.confidence is None else f"{row.confidence:.4f}"
                digit = "" if row.digit is None else row.digit
                writer.writerow([row.name, digit, confidence, row.uncertain, row.error])


def progress_bar(enabled: bool):
    done = 0

    def update(count: int) -> None:
        nonlocal done
        done += count
        if enabled:
            print(f"\rpredicted {done}", end="", file=sys.stderr, flush=True)

    return update


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="image files, folders or CSV files")
    parser.add_argument("--model", type=Path, default=model_path())
    parser.add_argument("--output", type=Path, help="also write the results to this CSV")
    parser.add_argument("--format", choices=["rows", "kaggle"], default="rows")
    parser.add_argument("--quiet", action="store_true", help="no per-input lines or progress")
    parser.add_argument(
        "--number", action="store_true", help="each image is a whole number: read every digit"
    )
    args = parser.parse_args(argv)

    predictor = Predictor(resolve_model_dir(args.model))
    show_progress = not args.quiet and sys.stderr.isatty()
    rows = []
    if args.number:
        found = read_numbers(predictor, args.paths)
    else:
        found = predict_all(predictor, inputs(args.paths), progress_bar(show_progress))
    for row in found:
        rows.append(row)
        if not args.quiet:
            if row.error:
                print(f"{row.name}\tERROR\t{row.error}", file=sys.stderr)
            else:
                print(f"{row.name}\t{row.digit}\t{row.confidence:.4f}")
    if show_progress:
        print(file=sys.stderr)
    if args.output:
        column = "number" if args.number else "digit"
        write_csv(rows, args.output, args.format == "kaggle", column)
    failed = sum(1 for row in rows if row.error)
    if failed or not rows:
        print(f"{failed} of {len(rows)} inputs could not be read", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
