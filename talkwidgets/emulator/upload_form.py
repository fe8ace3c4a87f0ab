"""The multipart form of ``POST /files``, parsed while the body streams in.

The ``file`` part's bytes go straight into the file that will hold them, through one buffered
writer on the event loop: no spooled temporary file to copy afterwards, and no thread-pool hop per
received body piece (writes land in the page cache and flush once per :data:`WRITE_BUFFER`).
The parsing itself is python-multipart's streaming parser; this module only decides what each part
may be, counts, and writes.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from ._http import too_large
from .errors import InvalidError

WRITE_BUFFER = 1024 * 1024
"""Bytes gathered before one ``write`` system call (body pieces arrive in 64-256 KiB)."""
MAX_FIELD_BYTES = 1024 * 1024
"""A plain field carries a word or a number; more than this is refused (as Starlette's form did)."""
MAX_FIELDS = 10
MAX_FILES = 1


def _malformed(reason: str) -> InvalidError:
    return InvalidError(f"malformed multipart body: {reason}")


@dataclass
class UploadForm:
    """What a complete, well-formed upload form carried (the bytes are already in their file)."""

    fields: dict[str, str] = field(default_factory=dict)
    """Plain fields by name (the last one wins, as in a form's dict)."""
    unknown: list[str] = field(default_factory=list)
    """Names of parts that are not in the allowed set, in order of appearance."""
    has_file: bool = False
    """A part named ``file`` with a filename arrived complete (its closing boundary was seen)."""
    filename: str = ""
    content_type: str | None = None
    size: int = 0


class _Reader:
    """python-multipart's callbacks for one request: fields into memory, ``file`` into ``path``."""

    def __init__(self, path: str, allowed: tuple[str, ...], limit: int, charset: str) -> None:
        self.path, self.allowed, self.limit, self.charset = path, allowed, limit, charset
        self.form = UploadForm()
        self.out: BinaryIO | None = None
        self.files = self.fields = 0
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.kind = "field"  # "field", "file" (the bytes we keep) or "skip" (a file part we refuse)
        self.data = bytearray()

    def decode(self, raw: bytes) -> str:
        try:
            return raw.decode(self.charset)
        except (UnicodeDecodeError, LookupError):
            return raw.decode("latin-1")

    def on_part_begin(self) -> None:
        self.headers = {}
        self.data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_name).lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise _malformed('The Content-Disposition header field "name" must be provided.')
        self.name = self.decode(options[b"name"])
        if self.name not in self.allowed:
            self.form.unknown.append(self.name)
        if b"filename" not in options:
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise _malformed(f"Too many fields. Maximum number of fields is {MAX_FIELDS}.")
            self.kind = "field"
            return
        self.files += 1
        if self.files > MAX_FILES:
            raise _malformed(f"Too many files. Maximum number of files is {MAX_FILES}.")
        if self.name != "file":
            self.kind = "skip"  # a file under another name: no 'file' part, refused at the end
            return
        self.kind = "file"
        self.form.filename = self.decode(options[b"filename"])
        content_type = self.headers.get(b"content-type")
        self.form.content_type = content_type.decode("latin-1") if content_type is not None else None
        # private to this account: uploads may be personal, and nobody else needs to read them
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.out = os.fdopen(fd, "wb", buffering=WRITE_BUFFER)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.kind == "file":
            assert self.out is not None
            self.form.size += end - start
            if self.form.size > self.limit:
                raise too_large(self.limit, "files")
            self.out.write(memoryview(data)[start:end])  # a view: the piece is copied once, into the buffer
        elif self.kind == "field":
            if len(self.data) + end - start > MAX_FIELD_BYTES:
                raise _malformed("Part exceeded maximum size of 1024KB.")
            self.data += data[start:end]

    def on_part_end(self) -> None:
        if self.kind == "file":
            assert self.out is not None
            self.out.close()
            self.form.has_file = True
        elif self.kind == "field":
            self.form.fields[self.name] = self.decode(bytes(self.data))

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


async def read_upload_form(
    content_type: str, body: AsyncIterator[bytes], path: str, allowed: tuple[str, ...], limit: int, body_limit: int
) -> UploadForm:
    """Parse the multipart ``body`` as it arrives; the ``file`` part's bytes go to ``path``
    (created 0600, never replaced). Raises :class:`InvalidError` for a malformed or over-counted
    form and the 413 ``too_large`` once the file passes ``limit`` or the body ``body_limit`` bytes;
    whatever the failure (the client's disconnect too), ``path`` does not exist afterwards.
    A form that parsed is returned as it is: judging its content is the caller's part."""
    _, params = parse_options_header(content_type)
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    if b"boundary" not in params:
        raise _malformed("Missing boundary in multipart.")
    reader = _Reader(path, allowed, limit, charset)
    try:
        try:
            parser = MultipartParser(
                params[b"boundary"],
                {
                    "on_part_begin": reader.on_part_begin,
                    "on_part_data": reader.on_part_data,
                    "on_part_end": reader.on_part_end,
                    "on_header_field": reader.on_header_field,
                    "on_header_value": reader.on_header_value,
                    "on_header_end": reader.on_header_end,
                    "on_headers_finished": reader.on_headers_finished,
                },
            )
            received = 0
            async for piece in body:
                received += len(piece)
                if received > body_limit:
                    raise too_large(limit, "files")
                parser.write(piece)
            parser.finalize()
        except FormParserError:
            raise _malformed("Invalid multipart data.") from None
        finally:
            reader.close()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return reader.form
