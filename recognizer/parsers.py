"""Request parsers that turn pathological bodies into 400s rather than crashes."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

ERROR_JSON_TOO_DEEP = "The JSON is nested too deeply to read."


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested thousands deep is a 400, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(ERROR_JSON_TOO_DEEP) from None
