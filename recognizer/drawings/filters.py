"""Query-string filters for the drawing list (django-filter)."""

import django_filters
from django import forms

from recognizer.core.params import whole_number
from recognizer.models import Drawing

TRUE_FALSE = (("true", "true"), ("false", "false"))


class DigitFormField(forms.IntegerField):
    """A digit 0-9 in ASCII (IntegerField alone reads "0_7" as 7 and "²" fails inside)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if whole_number(value) is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


class DigitFilter(django_filters.NumberFilter):
    """A whole number 0-9 (NumberFilter alone would accept 0.5)."""

    field_class = DigitFormField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=9, **kwargs)


class DrawingFilter(django_filters.FilterSet):
    digit = DigitFilter(field_name="prediction__digit", label="Predicted digit")
    label = DigitFilter(label="True digit")
    # Choice filters, not BooleanFilter: "maybe" must be an error, not silently ignored.
    misclassified = django_filters.ChoiceFilter(choices=TRUE_FALSE, method="filter_misclassified")
    reviewed = django_filters.ChoiceFilter(
        choices=TRUE_FALSE, method="filter_reviewed", label="Has a label"
    )
    min_confidence = django_filters.NumberFilter(
        field_name="prediction__confidence", lookup_expr="gte", min_value=0, max_value=1
    )
    max_confidence = django_filters.NumberFilter(
        field_name="prediction__confidence", lookup_expr="lte", min_value=0, max_value=1
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    model_version = django_filters.CharFilter(field_name="prediction__model_version")
    source = django_filters.ChoiceFilter(choices=Drawing.Source.choices)
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("prediction__confidence", "confidence"))
    )

    class Meta:
        model = Drawing
        fields: list[str] = []

    def filter_misclassified(self, queryset, name, value):
        return queryset.misclassified() if value == "true" else queryset.correct()

    def filter_reviewed(self, queryset, name, value):
        return queryset.labelled() if value == "true" else queryset.unreviewed()
