"""The OpenAPI 3.1 document of the emulated REST API, served at ``/openapi.json``.

Users generate clients from it, and the fuzz tests run from it. It is assembled from the
per-area tables in ``routes_*.py`` (one entry per method and route) and the schemas in
``schemas.py``; see :mod:`.operation` for how to document a new route."""

from __future__ import annotations

import re
from functools import cache

from ...__about__ import __version__
from . import routes_compat, routes_data, routes_emulator, routes_rest
from .operation import PATH_PARAMS, Operation, Operations
from .schemas import JSON, SCHEMAS
from .schemas_data import DATA_SCHEMAS

__all__ = ["APP_OPERATIONS", "ROOT_OPERATIONS", "Operation", "document"]

APP_OPERATIONS: Operations = {**routes_rest.OPERATIONS, **routes_compat.OPERATIONS, **routes_data.OPERATIONS}
"""Routes under ``/v1/{appId}`` (and ``/public_api/v1/{appId}``)."""
ROOT_OPERATIONS: Operations = routes_emulator.OPERATIONS
"""The emulator's own routes, at the server's root."""

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

DESCRIPTION = """\
The REST API of the talkwidgets emulator: TalkJS's documented REST API as a local server, plus the
emulator's own routes. Authenticate with `Authorization: Bearer <token>`: the app's secret key, an app
JWT or a user JWT (HS256, signed with the secret key). Every route under `/v1/{appId}` is also served
under `/public_api/v1/{appId}`. The live feed (a WebSocket at `/v1/{appId}/feed`) is described in
docs/realtime-protocol.md; the emulator's decisions and limits in docs/emulator.md."""


def document_path(route_path: str) -> tuple[str, list[JSON]]:
    """The document's form of a route path (``{user_id}`` -> ``{userId}``) and its path parameters."""
    params: list[JSON] = []

    def rename(match: re.Match[str]) -> str:
        name, description, example = PATH_PARAMS.get(match.group(1), (match.group(1), "", None))
        param: JSON = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        if description:
            param["description"] = description
        if example is not None:
            param["example"] = example
        params.append(param)
        return "{" + name + "}"

    return _PARAM.sub(rename, route_path), params


def operation_id(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return method.lower() + "".join(w[0].upper() + w[1:] for w in words)


def _paths(operations: Operations, *, at_root: bool) -> dict[str, JSON]:
    paths: dict[str, JSON] = {}
    for (method, route_path), operation in sorted(operations.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        path, params = document_path(route_path)
        item = paths.setdefault(path, {})
        if at_root:
            item["servers"] = [{"url": "/", "description": "the emulator's own routes, at the server's root"}]
        item[method.lower()] = operation.to_json(operation_id(method, path), params)
    return paths


@cache
def document() -> JSON:
    """The whole OpenAPI 3.1 document (built once)."""
    app_server = {"appId": {"default": "demo", "description": "the app id (talkwidgets serve --app-id)"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "talkwidgets emulator: TalkJS REST API",
            "version": __version__,
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [
            {"url": "/v1/{appId}", "variables": app_server, "description": "TalkJS's layout"},
            {"url": "/public_api/v1/{appId}", "variables": app_server, "description": "@talkjs/core's local layout"},
        ],
        "security": [{"bearer": []}],
        "paths": {**_paths(APP_OPERATIONS, at_root=False), **_paths(ROOT_OPERATIONS, at_root=True)},
        "components": {
            "schemas": {**SCHEMAS, **DATA_SCHEMAS},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the app's secret key, an app JWT or a user JWT",
                }
            },
        },
    }
