"""This process's predictor, following the version the database says serves.

Every worker asks the database which version serves at most every MODEL_CHECK_SECONDS,
unpacks a version it has not seen into settings.MODEL_PATH, and switches to it: a
promotion made on any host reaches every host within seconds, without a restart.
"""

import logging
import math
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from ml import registry
from ml.inference import CURRENT, Predictor, predictor_for
from recognizer.serving import versions

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_checked = {"at": -math.inf, "version": None, "followed": None, "served": None}


def get_predictor() -> Predictor:
    """Return this process's predictor for the model currently promoted."""
    models_dir = Path(settings.MODEL_PATH)
    served = _checked["served"]
    if served and served[0] == models_dir and not _check_due():
        return served[1]  # no query and no file read between two checks
    versions.models_folder()
    version = _promoted_version()
    if version and _checked["followed"] != (models_dir, version):
        if (models_dir / CURRENT).is_file():
            _follow(models_dir, version)
        _checked["followed"] = (models_dir, version)
    predictor = predictor_for(models_dir)
    _checked["served"] = (models_dir, predictor)
    return predictor


def recheck() -> None:
    """Look for the served version again on the next prediction (this process promoted one)."""
    _checked["at"] = -math.inf


def _check_due() -> bool:
    return time.monotonic() - _checked["at"] >= settings.MODEL_CHECK_SECONDS


def _promoted_version() -> str | None:
    now = time.monotonic()
    with _lock:
        if now - _checked["at"] < settings.MODEL_CHECK_SECONDS:
            return _checked["version"]
        _checked["at"] = now
    try:
        version = versions.promoted_version()
    except DatabaseError:
        return _checked["version"]  # keep serving what this worker serves
    _checked["version"] = version
    return version


def _follow(models_dir: Path, version: str) -> None:
    if registry.serving_version(models_dir) == version:
        return
    with _lock:
        if versions.version_unpack(models_dir=models_dir, version=version):
            registry.set_serving(models_dir, version)
            logger.info("now serving %s (promoted in the database)", version)
        else:
            logger.warning("%s is promoted but stored nowhere this host can read", version)
