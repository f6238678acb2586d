"""How the API reads requests and picks its answer's format, without crashing on either."""

from rest_framework.exceptions import NotAcceptable, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser

ERROR_JSON_TOO_DEEP = "The JSON is nested too deeply to read."


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
