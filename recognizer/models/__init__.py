"""The app's tables: drawings and their labels; model versions, promotions and retrain jobs.

Migrations name `validate_model_input`, `validate_probabilities` and `JSONArrayLength` by
their path here: they stay importable from this package.
"""

from recognizer.models.drawings import (
    ANSWER,
    DIGIT_VALIDATORS,
    INPUT_BYTES,
    LABEL_CHOICES,
    LABEL_VALIDATORS,
    NOT_A_DIGIT,
    READ_RIGHT,
    Drawing,
    DrawingQuerySet,
    Prediction,
    label_name,
    likely_wrong_q,
    validate_model_input,
    validate_probabilities,
)
from recognizer.models.labels import LabelChange
from recognizer.models.modelops import (
    ModelPromotion,
    ModelVersion,
    RetrainCheckpoint,
    RetrainJob,
    ShadowReading,
)
from recognizer.models.numbers import Number, NumberDigit, validate_box
from recognizer.models.sql import JSONArrayLength

__all__ = [
    "ANSWER",
    "DIGIT_VALIDATORS",
    "INPUT_BYTES",
    "LABEL_CHOICES",
    "LABEL_VALIDATORS",
    "NOT_A_DIGIT",
    "READ_RIGHT",
    "Drawing",
    "DrawingQuerySet",
    "JSONArrayLength",
    "LabelChange",
    "ModelPromotion",
    "ModelVersion",
    "Number",
    "NumberDigit",
    "Prediction",
    "RetrainCheckpoint",
    "RetrainJob",
    "ShadowReading",
    "label_name",
    "likely_wrong_q",
    "validate_box",
    "validate_model_input",
    "validate_probabilities",
]
