"""The upload size limit of a session's backend, so that a front end can refuse a file before any
byte of it moves (instead of sending it all and reading a 413)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.errors import TalkRequestError
from ._core import SessionCore

CLOUD_REASON = "TalkJS does not publish its upload size limit"


@dataclass(frozen=True)
class UploadLimit:
    """What the backend says about the largest file it takes."""

    max_bytes: int | None
    """The largest file in bytes (the raw file, not the request); ``None`` when the backend does
    not publish a limit."""
    reason: str
    """Where the number comes from, or why there is none, in words for people."""


async def read_upload_limit(core: SessionCore) -> UploadLimit:
    """Asks a talkwidgets emulator (embedded or ``talkwidgets serve``) through its public health
    endpoint; the TalkJS cloud documents no limit, so none is made up for it."""
    if core.backend_kind == "cloud":
        return UploadLimit(None, CLOUD_REASON)
    where = "the embedded emulator" if core.backend_kind == "embedded" else f"the server at {core.backend.host}"
    try:
        health = await core.emulator_health()
    except TalkRequestError:
        return UploadLimit(None, f"{where} does not publish its upload size limit")
    limits = health.get("limits") if isinstance(health, dict) else None
    value = limits.get("maxUploadBytes") if isinstance(limits, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return UploadLimit(value, f"the limit of {where}")
    return UploadLimit(None, f"{where} does not publish its upload size limit")
