"""Request fields that parse one value from JSON bodies and multipart forms alike."""

import json

from rest_framework import serializers
from rest_framework.utils import html


class ProbabilitiesField(serializers.ListField):
    """Ten probabilities: a JSON array, or one form field holding the array's JSON text."""

    def __init__(self, **kwargs):
        child = serializers.FloatField(min_value=0, max_value=1)
        super().__init__(child=child, min_length=10, max_length=10, **kwargs)

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)  # one field: never a repeated one
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_a_list", input_type="str")
        return super().to_internal_value(data)
