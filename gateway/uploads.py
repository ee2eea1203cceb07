"""Files sent to the gateway: ``multipart/form-data`` read by Werkzeug's own parser.

The file part is streamed, as it arrives, into a temporary file (in memory up to 1 MiB, on
disk above) while its SHA-256 is computed, and the parser stops the moment the file passes
the limit: a file too large is never read whole, let alone kept. A request announcing more
than the limit is refused before its body is read. The other parts are small form fields
(at most 256 KiB in all, and 8 parts), validated by the route's schema like a JSON body.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from gateway import inputs
from gateway.errors import PayloadTooLarge
from kernel.errors import KernelError, ValidationFailed

FILE_FIELD = "file"
# Werkzeug's decoder also holds the file's data in this budget while it looks for the next
# boundary, a read (64 KiB) at a time: the budget must exceed a read by far.
MAX_FIELDS_BYTES = 256 * 1024
MAX_PARTS = 8
# What a request may carry besides the file: boundaries, part headers, the form fields.
OVERHEAD_BYTES = MAX_FIELDS_BYTES + 16 * 1024
SPOOL_BYTES = 1024 * 1024
MAX_FILE_NAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsupportedMediaType(KernelError):
    code, http_status = "unsupported_media_type", 415


@dataclass
class Upload:
    """The received file, at its start, and the request's other fields."""

    file: BinaryIO
    file_name: str
    size: int
    sha256: str
    fields: dict = field(default_factory=dict)

    def describe(self) -> dict:
        """What the request asks, for its idempotency fingerprint."""
        return {"file_name": self.file_name, "size": self.size, "sha256": self.sha256}

    def close(self) -> None:
        self.file.close()


class _HashingFile:
    """What the parser writes the file part into: hashed, counted and capped as it goes."""

    def __init__(self, limit: int):
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self._digest = hashlib.sha256()
        self.size, self.limit = 0, limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise RequestEntityTooLarge()
        self._digest.update(data)
        return self._file.write(data)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    @property
    def file(self) -> BinaryIO:
        """The received bytes, for readers (the parser only writes, then seeks to the start)."""
        return self._file

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def close(self) -> None:
        self._file.close()


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge("upload.too_large", {"max_bytes": max_bytes},
                           {"limit": _size_vi(max_bytes)})


def _size_vi(count: int) -> str:
    mib = count / (1024 * 1024)
    return f"{mib:g} MB" if mib >= 1 else f"{count // 1024} KB"


def receive(request, max_bytes: int) -> Upload:
    """The request's file (the part named ``file``) and fields; 413, 415 or 400 saying why
    not. The caller closes the upload."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("upload.not_multipart", {"content_type": inputs.shown(request.mimetype or "")})
    containers: list[_HashingFile] = []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        container = _HashingFile(max_bytes)
        containers.append(container)
        return container

    request.max_content_length = max_bytes + OVERHEAD_BYTES  # refused before reading if announced
    parser = FormDataParser(stream_factory=stream_factory, max_form_memory_size=MAX_FIELDS_BYTES,
                            silent=False, max_form_parts=MAX_PARTS)
    try:
        _, form, files = parser.parse(request.stream, request.mimetype, request.content_length,
                                      request.mimetype_params)
        return _upload(form, files)
    except RequestEntityTooLarge:
        _close(containers)
        raise too_large(max_bytes) from None
    except (ValueError, HTTPException):  # a malformed body, a client gone mid-way
        _close(containers)
        raise ValidationFailed("upload.unreadable", {FILE_FIELD: ["Không đọc được nội dung gửi lên."]}) from None
    except BaseException:
        _close(containers)
        raise


def _close(containers) -> None:
    for container in containers:
        container.close()


def _upload(form, files) -> Upload:
    problems = {}
    for name, values in form.lists():
        inputs.check_parameters((name, value) for value in values)
        if len(values) > 1:
            problems[inputs.shown(name)] = ["Trường này chỉ được gửi một lần."]
    uploaded = files.getlist(FILE_FIELD)
    for name in files:
        if name != FILE_FIELD:
            problems[inputs.shown(name)] = [f"Chỉ nhận một tệp, trong trường “{FILE_FIELD}”."]
    if not uploaded or not uploaded[0].filename:
        problems[FILE_FIELD] = ["Chưa chọn tệp nào để tải lên."]
    elif len(uploaded) > 1:
        problems[FILE_FIELD] = ["Mỗi lần chỉ tải lên một tệp."]
    if problems:
        raise ValidationFailed(inputs.INVALID_REQUEST, problems)
    part = uploaded[0]
    container: _HashingFile = part.stream
    file_name = _file_name(part.filename)
    if container.size == 0:
        raise ValidationFailed("upload.empty", {FILE_FIELD: ["Tệp rỗng."]})
    container.seek(0)
    return Upload(file=container.file, file_name=file_name, size=container.size,
                  sha256=container.sha256, fields=form.to_dict(flat=True))


def _file_name(given: str) -> str:
    """The name as the officer's computer gave it, without any folder path (old browsers send
    ``C:\\Users\\…\\tên tệp.pdf``)."""
    name = re.split(r"[\\/]", given)[-1].strip()
    inputs.check_parameters([(FILE_FIELD, name)])
    if not name or len(name) > MAX_FILE_NAME or _CONTROL.search(name):
        raise ValidationFailed(inputs.INVALID_REQUEST, {FILE_FIELD: [
            f"Tên tệp phải có từ 1 đến {MAX_FILE_NAME} ký tự, không có ký tự điều khiển."]})
    return name
