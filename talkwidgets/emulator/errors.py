"""The emulator's error type: TalkJS-style bodies ``{"errorCode", "reasons"}``."""

from __future__ import annotations

from starlette.responses import JSONResponse


class ApiError(Exception):
    """A request the emulator refuses, with the HTTP status and readable reasons."""

    def __init__(self, status: int, error_code: str, *reasons: str) -> None:
        super().__init__(f"{status} {error_code}: {'; '.join(reasons)}")
        self.status = status
        self.error_code = error_code
        self.reasons = list(reasons) or [error_code]

    def body(self) -> dict[str, object]:
        return {"errorCode": self.error_code, "reasons": self.reasons}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def bad_request(*reasons: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", *reasons)


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} does not exist")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, "FORBIDDEN", reason)


def unauthorized(reason: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", reason)
