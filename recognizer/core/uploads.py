"""An upload handler that stops a multipart body at the request size limit.

The body-size middleware refuses bodies that announce their size; this catches the rest
(a body longer than its Content-Length claims is cut by the server, but a missing or
lying length must never reach a temporary file of any size).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class SizeLimitUploadHandler(FileUploadHandler):
    """Count every file byte of the request and refuse past MAX_REQUEST_BYTES."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_REQUEST_BYTES:
            raise RequestDataTooBig()
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None
