"""Labels in the API: the label field, the label's quality, its history, and who may see it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recognizer.core import access
from recognizer.core.params import whole_number
from recognizer.models import NOT_A_DIGIT, Drawing, LabelChange

ERROR_DIGIT = "Give a whole number from 0 to 9, as a JSON number or in ASCII digits."
ERROR_LABEL = 'Give a whole number from 0 to 9, or "not_a_digit" when the drawing is not a digit.'
NOT_A_DIGIT_LABEL = "not_a_digit"
LABEL_SCHEMA = {
    "oneOf": [
        {"type": "integer", "minimum": 0, "maximum": 9},
        {"type": "string", "enum": [NOT_A_DIGIT_LABEL]},
    ],
    "description": 'The true digit, or "not_a_digit" when the drawing is not a digit.',
}


class DigitField(serializers.IntegerField):
    """A digit 0-9 as a JSON number or ASCII digits; "٣", "0_7" and 7.5 are refused."""

    default_error_messages = {"invalid": ERROR_DIGIT}

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=9, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if whole_number(data) is None:
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(LABEL_SCHEMA)
class LabelField(DigitField):
    """A digit 0-9, or "not_a_digit" (stored as NOT_A_DIGIT) for a drawing that is none."""

    default_error_messages = {"invalid": ERROR_LABEL}

    def run_validation(self, data=serializers.empty):
        # Before the 0-9 range check, which "not a digit" is outside of.
        if data == NOT_A_DIGIT_LABEL:
            return NOT_A_DIGIT
        return super().run_validation(data)

    def to_representation(self, value):
        return NOT_A_DIGIT_LABEL if value == NOT_A_DIGIT else super().to_representation(value)


class LabelSerializer(serializers.Serializer):
    label = LabelField(help_text='The true digit, or "not_a_digit".')


class LabelQualitySerializer(serializers.Serializer):
    """How likely a drawing's label is wrong, from a reading of a model that never trained on it."""

    score = serializers.FloatField(help_text="0-1: 1 minus the model's probability for the label.")
    likely_wrong = serializers.BooleanField(
        help_text="The score is at least LABEL_LIKELY_WRONG: the label waits for a reviewer "
        "before it trains, unless a reviewer gave it."
    )
    reason = serializers.CharField(help_text="What the model read instead, in words.")


def label_hidden(drawing: Drawing, user) -> bool:
    """Return whether `user` must answer before seeing the label: a second opinion is awaited.

    Only other reviewers are kept from it, so that their answer is their own.
    """
    return (
        drawing.needs_second_opinion
        and drawing.labelled_by_id != getattr(user, "pk", None)
        and access.can(user, access.RELABEL)
    )


def label_quality(drawing: Drawing) -> dict | None:
    """Return the label's score, whether it is likely wrong, and why; None while unlabelled."""
    if drawing.label_score is None:
        return None
    return {
        "score": drawing.label_score,
        "likely_wrong": drawing.label_likely_wrong,
        "reason": drawing.label_score_reason,
    }


class LabelChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    old_label = LabelField(allow_null=True)
    new_label = LabelField()

    class Meta:
        model = LabelChange
        fields = ["old_label", "new_label", "source", "changed_by", "created_at"]
