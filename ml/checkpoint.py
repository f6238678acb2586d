"""A training run's checkpoints as one archive, so that another machine can resume the run.

The run's work folder (`WORK_DIR` inside the output folder) holds the last epoch's weights
and optimizer state (Keras' BackupAndRestore), the best epoch so far and the history; no
TensorFlow is needed to move it.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

WORK_DIR = "_training"  # checkpoints of the run in progress, inside the output folder
ERROR_UNSAFE = "unexpected path {name!r} in a training checkpoint"


def pack(work: Path) -> bytes:
    """Return every file under `work`, with its path relative to it, as one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(work).rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(work).as_posix())
    return buffer.getvalue()


def unpack(data: bytes, work: Path) -> Path:
    """Replace the folder `work` with the files of a packed checkpoint."""
    work = Path(work)
    shutil.rmtree(work, ignore_errors=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("/") or ".." in Path(name).parts:
                raise ValueError(ERROR_UNSAFE.format(name=name))
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    return work
