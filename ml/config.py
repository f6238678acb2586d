"""Constants every part of `ml/` shares: the model's input size and the default model folder."""

import os
from pathlib import Path

SIDE = 28  # the model reads SIDE x SIDE grey levels
PIXELS = SIDE * SIDE
SHIPPED_MODELS = "models"  # the versions that ship with the code, relative to the checkout


def model_path() -> Path:
    """Return the folder of versions the command lines use: $MODEL_PATH, else the shipped one."""
    return Path(os.environ.get("MODEL_PATH", SHIPPED_MODELS))
