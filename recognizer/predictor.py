"""The site's handle on the served model (configured by settings.MODEL_PATH)."""

from django.conf import settings

from ml.inference import Predictor
from ml.inference import get_predictor as _get_predictor


def get_predictor() -> Predictor:
    """Return this process's predictor for the model currently promoted."""
    return _get_predictor(settings.MODEL_PATH)
