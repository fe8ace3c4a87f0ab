"""Property-based fuzzing of the emulator from its own OpenAPI document, against a real
``talkwidgets serve`` process: zero 5xx, zero unanswered requests, zero tracebacks in its log.

schemathesis generates valid and invalid requests for every documented operation (a fixed seed
and a bounded number of examples keep the run reproducible and short); hypothesis drives the
live feed and the upload route, which a REST schema does not describe."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator

import httpx
import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from talkwidgets.emulator.openapi import document
from tests.serve_process import TIMEOUT, Proc

APP = "fuzz"
KEY = "sk_test_fuzz_" + "f" * 40
EXAMPLES = 20
"""Examples per operation (app credentials); with a fixed seed the whole module runs in about 1.5 minutes."""
USER_EXAMPLES = 8
SEED = {
    "users": {"alice": {"name": "Alice"}, "bob": {"name": "Bob"}},
    "conversations": {"planning": {"subject": "Plans", "participants": ["alice", "bob"]}},
    "messages": {"planning": [{"sender": "alice", "text": "hello"}, {"sender": "bob", "text": "hi"}]},
}
LOG_ALARMS = ("Traceback", "Exception in ASGI", "ERROR", "Unhandled")

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: every run sends the same requests
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    """One real server for the module, its whole output captured; no traceback may appear in it."""
    seed = tmp_path_factory.mktemp("fuzz") / "seed.json"
    seed.write_text(json.dumps(SEED))
    proc = Proc("--app-id", APP, "--secret-key", KEY, "--seed", str(seed), "--log-level", "info")
    try:
        proc.banner()
        proc.wait_healthy()
        yield proc
        proc.popen.send_signal(signal.SIGINT)
        assert proc.popen.wait(TIMEOUT) == 0
        output = proc.read_until("Finished server process")
    finally:
        proc.kill()
    alarms = [line for line in output if any(word in line for word in LOG_ALARMS)]
    assert alarms == [], "\n".join(output)


schema = schemathesis.openapi.from_dict(document()).exclude(path_regex="^/(_emulator|openapi)")


ALICE = jwt.encode({"tokenType": "user", "iss": APP, "sub": "alice"}, KEY, algorithm="HS256")


def call(serve: Proc, case: schemathesis.Case, token: str) -> None:
    response = case.call(
        base_url=f"{serve.base_url}/v1/{APP}", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@schema.parametrize()
@FUZZ_SETTINGS
def test_rest_operations_with_app_credentials(serve: Proc, case: schemathesis.Case) -> None:
    call(serve, case, KEY)


@schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=USER_EXAMPLES)
def test_rest_operations_with_a_user_token(serve: Proc, case: schemathesis.Case) -> None:
    """The same operations as a user, whose rights end at their own data (403s, never 5xx)."""
    call(serve, case, ALICE)


@given(
    frames=st.lists(
        st.one_of(
            st.text(max_size=200),
            st.binary(max_size=200),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                max_leaves=20,
            ).map(json.dumps),
        ),
        min_size=1,
        max_size=4,
    )
)
@FUZZ_SETTINGS
def test_the_live_feed_answers_any_frames_with_frames_or_a_close_code(serve: Proc, frames: list[str | bytes]) -> None:
    async def session() -> None:
        url = f"ws://127.0.0.1:{serve.port}/v1/{APP}/feed?userId=alice&token={KEY}"
        async with connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["op"] == "hello"
            try:
                for frame in frames:
                    await ws.send(frame)
                await ws.send('{"op": "ping"}')
                while json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) != {"op": "pong"}:
                    pass
            except ConnectionClosed:
                assert ws.close_code in (1003, 1007), (ws.close_code, ws.close_reason)
                assert ws.close_reason

    asyncio.run(session())


@given(
    name=st.text(max_size=300),
    content=st.binary(max_size=2048),
    fields=st.dictionaries(
        st.sampled_from(["subtype", "width", "height", "duration", "filename", "other"]), st.text(max_size=20)
    ),
)
@FUZZ_SETTINGS
def test_uploads_answer_a_token_or_a_4xx(serve: Proc, name: str, content: bytes, fields: dict[str, str]) -> None:
    with httpx.Client(base_url=f"{serve.base_url}/v1/{APP}", headers={"Authorization": f"Bearer {KEY}"}) as client:
        try:
            response = client.post("/files", files={"file": (name, content)}, data=fields, timeout=TIMEOUT)
        except UnicodeEncodeError:
            return  # a lone surrogate in a name: the client cannot even encode the request
        assert response.status_code < 500, response.text
        if response.is_success:
            assert response.json()["fileToken"].startswith("ft_")
        else:
            assert response.json()["reasons"]
