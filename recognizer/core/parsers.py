"""How the API reads requests and picks its answer's format, without crashing on either."""

from rest_framework.exceptions import NotAcceptable, ParseError, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

ERROR_JSON_TOO_DEEP = "The JSON is nested too deeply to read."
ERROR_REPEATED_FIELD = "sent {count} times; send it once (one request per image, or the batch API)."


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested thousands deep is a 400, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(ERROR_JSON_TOO_DEEP) from None


class JSONWhateverAccept(DefaultContentNegotiation):
    """Answer JSON when the Accept header asks for something else (a browser's text/html)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        # One renderer and no media type parameters (`; indent=4`) or format asked for:
        # the answer is that renderer whatever the Accept header, so it need not be parsed.
        named = format_suffix or self.settings.URL_FORMAT_OVERRIDE in request.query_params
        if len(renderers) == 1 and not named and ";" not in request.headers.get("Accept", ""):
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def _refuse_repeated(*fields) -> None:
    """Refuse a form that sends one field twice: Django would quietly keep only the last."""
    for values in fields:
        for name, items in values.lists():
            if len(items) > 1:
                message = ERROR_REPEATED_FIELD.format(count=len(items))
                raise ValidationError({name: [message]}, code="repeated_field")


class OnceMultiPartParser(MultiPartParser):
    """DRF's multipart parser, but a field or file sent twice is a 400 naming it."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_repeated(parsed.data, parsed.files)
        return parsed


class OnceFormParser(FormParser):
    """DRF's form parser, but a field sent twice is a 400 naming it."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_repeated(parsed)
        return parsed
