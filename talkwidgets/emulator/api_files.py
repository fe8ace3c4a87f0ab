"""``POST /files`` (multipart upload answering file tokens) and serving the stored bytes.

Bytes go to a file named by a random id, never by the uploaded filename, which is only data.
The size limit is enforced while the body streams in, so an oversized upload stores nothing.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from . import validate as v
from ._http import emulator_of, endpoint, too_large
from .errors import InvalidError, not_found
from .instance import Emulator
from .principal import Principal
from .upload_form import read_upload_form

FORM_OVERHEAD = 64 * 1024
FORM_FIELDS = ("file", "subtype", "width", "height", "duration", "filename")


def _metadata(form: Mapping[str, str]) -> dict[str, Any]:
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
    file_id = secrets.token_urlsafe(18)
    path = os.path.join(em.files_dir, file_id)
    # the bytes stream into <path>.part; only a complete, valid form renames it into place
    tmp = path + ".part"
    try:
        try:
            form = await read_upload_form(
                request.headers["content-type"], request.stream(), tmp, FORM_FIELDS, limit, limit + FORM_OVERHEAD
            )
        except ClientDisconnect:
            raise InvalidError("the upload ended before its body did") from None
        if form.unknown:
            raise InvalidError(f"unknown form field(s): {', '.join(sorted(set(form.unknown)))}")
        if not form.has_file:
            raise InvalidError("the form needs a 'file' part carrying the bytes")
        name = v.filename(form.fields.get("filename") or form.filename)
        meta = _metadata(form.fields)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    size = form.size
    token = "ft_" + secrets.token_urlsafe(24)
    content_type = form.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
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
