"""What the ml command lines share: one plain line for a known error (exit 2), and progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from ml.data import DataFormatError
from ml.inference import ModelNotFoundError
from ml.preprocessing import PreprocessingError

T = TypeVar("T")
EXIT_USAGE = 2
# Problems with what the user passed (files, folders, data), not bugs: no traceback.
USER_ERRORS = (DataFormatError, ModelNotFoundError, PreprocessingError, FileNotFoundError)


def run(main: Callable[[], object]) -> None:
    """Run a command's main(); a user error becomes one line on stderr and exit status 2."""
    program = f"python -m ml.{Path(sys.argv[0]).stem}"
    try:
        main()
    except USER_ERRORS as exc:
        print(f"{program}: error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yield `items`, drawing a one-line progress bar on stderr when it is a terminal."""
    shown = sys.stderr.isatty()
    for done, item in enumerate(items, 1):
        yield item
        if shown and (done == total or done % max(total // 100, 1) == 0):
            bar = "#" * (30 * done // total)
            print(f"\r{label} [{bar:<30}] {done}/{total}", end="", file=sys.stderr, flush=True)
    if shown:
        print(file=sys.stderr)
