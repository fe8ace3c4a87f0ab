"""``POST /files`` (multipart upload answering file tokens) and serving the stored bytes.

Bytes go to a file named by a random id, never by the uploaded filename, which is only data.
The size limit is enforced while the body streams in, so an oversized upload stores nothing.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import shutil
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import Message

from . import validate as v
from ._http import emulator_of, endpoint, too_large
from .errors import EmulatorError, InvalidError, not_found
from .instance import Emulator
from .principal import Principal

FORM_OVERHEAD = 64 * 1024
FORM_FIELDS = ("file", "subtype", "width", "height", "duration", "filename")


def _limited(request: Request, limit: int) -> Request:
    """The same request whose body stream fails with 413 once it passes the limit."""
    received = 0
    receive = request.receive

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit + FORM_OVERHEAD:
                raise too_large(limit, "files")
        return message

    return Request(request.scope, counting_receive)


def _store_bytes(upload: UploadFile, path: str, limit: int) -> int:
    tmp = path + ".part"
    try:
        upload.file.seek(0)
        # private to this account: uploads may be personal, and nobody else needs to read them
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            shutil.copyfileobj(upload.file, out, 1024 * 1024)
            size = out.tell()
        if size > limit:
            raise too_large(limit, "files")
        os.replace(tmp, path)
        return size
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _metadata(form: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    subtype = form.get("subtype")
    if subtype not in (None, ""):
        if subtype not in v.SUBTYPES:
            raise InvalidError(f"subtype must be one of {', '.join(v.SUBTYPES)} (or absent for a generic file)")
        meta["subtype"] = subtype
    for key in ("width", "height"):
        if form.get(key) not in (None, ""):
            if meta.get("subtype") not in ("image", "video"):
                raise InvalidError(f"{key} applies to image and video files only")
            meta[key] = v.positive_int_field(str(form[key]), key)
    if form.get("duration") not in (None, ""):
        if meta.get("subtype") not in ("video", "audio", "voice"):
            raise InvalidError("duration applies to video, audio and voice files only")
        meta["duration"] = v.duration_field(str(form["duration"]))
    return meta


def _own_address(request: Request) -> str:
    """This server's address as the connection reached it (its own socket, never the client's
    ``Host`` header): the fallback for a server bound to every interface without a public URL."""
    server = request.scope.get("server")
    if not server or server[1] is None:
        return "http://127.0.0.1"
    host, port = server
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@endpoint
async def upload(request: Request, em: Emulator, who: Principal) -> Any:
    """Store one file; answer ``{"fileToken", "attachmentToken"}`` (the same opaque token)."""
    limit = em.config.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        raise too_large(limit, "files")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidError("upload with Content-Type multipart/form-data and a 'file' part")
    try:
        form = await _limited(request, limit).form(max_files=1, max_fields=10)
    except EmulatorError:
        raise
    except Exception as exc:  # the multipart parser's own errors
        raise InvalidError(f"malformed multipart body: {exc}") from None
    try:
        unknown = sorted(set(form.keys()) - set(FORM_FIELDS))
        if unknown:
            raise InvalidError(f"unknown form field(s): {', '.join(unknown)}")
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise InvalidError("the form needs a 'file' part carrying the bytes")
        name = v.filename(form.get("filename") or part.filename)
        meta = _metadata(form)
        file_id = secrets.token_urlsafe(18)
        token = "ft_" + secrets.token_urlsafe(24)
        path = os.path.join(em.files_dir, file_id)
        size = await run_in_threadpool(_store_bytes, part, path, limit)
    finally:
        await form.close()
    content_type = part.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    base = em.public_url or _own_address(request)
    # the name in the URL is cosmetic (the id finds the file); "." and ".." would be dot segments
    # that every client resolves away, so they get a neutral stand-in
    segment = quote(name, safe="") if name not in (".", "..") else "file"
    url = f"{base}/v1/{quote(who.app_id, safe='')}/files/{file_id}/{segment}"
    block = {"type": "file", "fileToken": token, "url": url, "size": size, "filename": name, **meta}
    try:
        em.store.add_file(who.app_id, token, file_id, block, path, content_type, who.user_id)
    except BaseException:
        os.unlink(path)
        raise
    return {"fileToken": token, "attachmentToken": token}


async def download(request: Request) -> Response:
    """Serve stored bytes. Like TalkJS file URLs, the unguessable id is the credential."""
    em = emulator_of(request)
    info = em.store.file_by_id(request.path_params["app_id"], request.path_params["file_id"])
    if info is None or not os.path.exists(info["path"]):
        raise not_found("file")
    name = info["block"]["filename"]
    return FileResponse(
        info["path"],
        media_type=info["contentType"],
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            "Cache-Control": "private, max-age=3600",
        },
    )


routes = [
    Route("/files", upload, methods=["POST"]),
    Route("/files/{file_id}/{filename:path}", download, methods=["GET"]),
]
