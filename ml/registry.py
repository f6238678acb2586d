"""A folder of model versions: which one serves, switching it, packing one for another host.

The serving side reads it; the promotion rule is `ml.promotion`."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ml.inference import CURRENT, SERVED_MODEL

ERROR_NOT_A_REGISTRY = (
    "{path} is not a folder of model versions with a CURRENT file; "
    "set MODEL_PATH to such a folder (the repository's models/ is one)"
)
ERROR_UNKNOWN_VERSION = "there is no model version {version!r} in {path}; known: {known}"


class RegistryError(ValueError):
    """The model folder or the version asked for does not exist."""


def serving_version(models_dir: str | Path) -> str:
    """Return the version the CURRENT file names."""
    pointer = Path(models_dir) / CURRENT
    if not pointer.is_file():
        raise RegistryError(ERROR_NOT_A_REGISTRY.format(path=models_dir))
    return pointer.read_text().strip()


def versions(models_dir: str | Path) -> list[str]:
    """Return every servable version in the folder, oldest first by name."""
    root = Path(models_dir)
    return sorted(p.parent.name for p in root.glob(f"*/{SERVED_MODEL}"))


def set_serving(models_dir: str | Path, version: str) -> Path:
    """Point CURRENT at `version` atomically, so a worker never reads half a name."""
    root = Path(models_dir)
    serving_version(root)  # refuses a folder that is not a registry
    if version not in versions(root):
        raise RegistryError(
            ERROR_UNKNOWN_VERSION.format(version=version, path=root, known=versions(root))
        )
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".CURRENT.")
    with os.fdopen(handle, "w") as file:
        file.write(version + "\n")
    os.replace(temporary, root / CURRENT)
    return root / version


def seed(models_dir: str | Path, shipped: str | Path) -> Path:
    """Make `models_dir` a copy of the `shipped` registry, unless it exists (atomically)."""
    target = Path(models_dir)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    for version in versions(shipped):
        shutil.copytree(Path(shipped) / version, staging / version)
    shutil.copy2(Path(shipped) / CURRENT, staging / CURRENT)
    try:
        os.replace(staging, target)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def pack(folder: str | Path) -> bytes:
    """Return a version folder's files as one zip archive (to store where every host reads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


def unpack(data: bytes, models_dir: str | Path, version: str) -> Path:
    """Write a packed version into `models_dir`/`version` (atomically) unless it is there."""
    target = Path(models_dir) / version
    if (target / SERVED_MODEL).is_file():
        return target
    staging = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".{version}."))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if Path(name).name != name or name.startswith("."):
                raise RegistryError(f"unexpected file {name!r} in the archive of {version}")
            (staging / name).write_bytes(archive.read(name))
    try:
        os.replace(staging, target)
    except OSError:  # another worker unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return target
