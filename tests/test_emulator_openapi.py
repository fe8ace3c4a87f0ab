"""The OpenAPI 3.1 document at ``/openapi.json``: valid, and exactly the routes the server serves."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from starlette.routing import Mount, Route

from talkwidgets.emulator import create_app
from talkwidgets.emulator.openapi import APP_OPERATIONS, ROOT_OPERATIONS, document


def served_routes() -> tuple[set[tuple[str, str]], dict[str, set[tuple[str, str]]]]:
    """``(method, path)`` of the HTTP routes at the root, and under each REST mount."""

    def pairs(routes: list) -> set[tuple[str, str]]:
        return {(m, r.path) for r in routes if isinstance(r, Route) for m in (r.methods or ()) if m != "HEAD"}

    app = create_app()
    mounts = {r.path: pairs(r.routes) for r in app.routes if isinstance(r, Mount)}
    return pairs(app.routes), mounts


def test_the_served_document_is_valid_openapi_3_1(server, http: httpx.Client) -> None:
    served = http.get(f"{server.base_url}/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    spec = served.json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema, unresolvable $refs included
    assert spec == document()


def test_the_validator_catches_a_broken_document() -> None:
    broken = {**document(), "info": {"version": "1"}}  # no title
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_served_route_is_documented_and_every_documented_route_is_served() -> None:
    root, mounts = served_routes()
    assert set(mounts) == {"/v1/{app_id}", "/public_api/v1/{app_id}"}
    for path, routes in mounts.items():
        undocumented = sorted(routes - set(APP_OPERATIONS))
        unserved = sorted(set(APP_OPERATIONS) - routes)
        assert undocumented == [] and unserved == [], (
            f"under {path}: undocumented {undocumented}, not served {unserved}"
        )
    assert sorted(root - set(ROOT_OPERATIONS)) == [] and sorted(set(ROOT_OPERATIONS) - root) == []


def test_every_operation_has_a_summary_an_id_and_typed_answers() -> None:
    spec = document()
    ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "servers":
                continue
            assert operation["summary"] and operation["tags"], (method, path)
            assert {"200", "4XX"} <= set(operation["responses"]), (method, path)
            ids.append(operation["operationId"])
            templated = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert templated == set(path.replace("}", "{").split("{")[1::2]), (method, path)
    assert len(ids) == len(set(ids))
