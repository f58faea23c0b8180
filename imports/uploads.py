"""The 20 MB upload limit, enforced while the request body streams in.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` only counts non-file form fields and
``FILE_UPLOAD_MAX_MEMORY_SIZE`` only decides memory versus a temporary file, so neither stops a
huge upload. This handler, put first in ``request.upload_handlers`` before the body is parsed,
refuses a request whose Content-Length is already too big (without reading it) and stops
counting file bytes as soon as they pass the limit.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler

# Room for the multipart boundaries, the part headers and the small ``mode`` field.
MULTIPART_OVERHEAD = 64 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_FILE_BYTES", 20 * 1024 * 1024))


class UploadTooLarge(Exception):
    pass


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes the data on to the next handlers unchanged, counting the bytes of each file."""

    def __init__(self, request=None, *, too_large=UploadTooLarge):
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.too_large = too_large
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + MULTIPART_OVERHEAD:
            raise self.too_large()
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise self.too_large()
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload_size(request, *, too_large=UploadTooLarge) -> None:
    """Call before anything reads ``request.POST`` / ``request.FILES`` (or DRF's ``request.data``)."""
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request, too_large=too_large))
