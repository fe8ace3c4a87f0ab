"""Smoke test: the ConversationList notebook renders and stays live under Voilà.

Voilà (a PyPI wheel, in the ``test`` extra) serves one notebook on a free loopback port with a
token; Chromium loads the page, which runs the notebook and shows only its outputs.  Then a row is
clicked: the selection travels browser -> kernel, an ``on_select`` callback has bob answer in that
conversation, and the answer travels back as a patch and lands on top of the list.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import require_bundle
from tests.jupyter_support import ServerProcess, save_artifacts, start_voila, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]

CELLS = [
    """\
import asyncio
from talkwidgets import ConversationList, get_talk_session

alice = await get_talk_session(app_id="voila", user_id="alice")
bob = await get_talk_session(app_id="voila", user_id="bob")
await alice.current_user.create_if_not_exists(name="Alice")
await bob.current_user.create_if_not_exists(name="Bob")
for i in range(5):
    conversation = alice.conversation(f"v{i}")
    await conversation.create_if_not_exists(subject=f"Voila topic {i}")
    await conversation.participant("bob").create_if_not_exists()
    await bob.conversation(f"v{i}").send(f"hello from bob {i}")
    await asyncio.sleep(0.003)
""",
    """\
inbox = ConversationList(alice)
inbox.on_select(lambda cid: bob.conversation(cid).send(f"bob saw you open {cid}"))
await inbox.subscription.connected
inbox
""",
]


@pytest.fixture()
def voila_server() -> Iterator[ServerProcess]:
    base = Path(tempfile.mkdtemp(prefix="tw-voila-"))
    (base / "nb").mkdir()
    notebook = write_notebook(base / "nb" / "inbox.ipynb", CELLS)
    server = start_voila(base, notebook)
    print(f"\n[timing] voila ready in {server.started_in:.2f} s at {server.url}", flush=True)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_conversation_list_renders_in_voila(
    browser: Any,
    voila_server: ServerProcess,
    request: pytest.FixtureRequest,
) -> None:
    require_bundle("conversation_list")
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB", timezone_id="UTC")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{voila_server.url}/?token={voila_server.token}", timeout=120_000)
        rows = page.locator(".tw-cl .tw-cl-item")
        expect(rows).to_have_count(5, timeout=60_000)
        assert [rows.nth(i).get_attribute("data-id") for i in range(5)] == ["v4", "v3", "v2", "v1", "v0"]
        expect(rows.first.locator(".tw-cl-text")).to_have_text("hello from bob 4")
        expect(rows.first.locator(".tw-cl-badge")).to_have_text("1")
        expect(page.locator(".tw-cl")).to_have_attribute("data-state", "active")
        # Voilà shows outputs only: no code cells, no JupyterLab chrome.
        expect(page.locator(".jp-InputArea")).to_have_count(0)

        # Round trip through Voilà's kernel websocket: click -> on_select -> bob answers -> patch.
        rows.nth(3).click()  # v1
        expect(rows.first).to_have_attribute("data-id", "v1", timeout=15_000)
        expect(rows.first.locator(".tw-cl-text")).to_have_text("bob saw you open v1")
        expect(rows.first.locator(".tw-cl-badge")).to_have_text("2")
        expect(rows.first).to_have_attribute("aria-selected", "true")
        assert errors == [], errors
    except BaseException:
        where = save_artifacts(request.node.name, page, voila_server, extra="page errors:\n" + "\n".join(errors))
        print(f"\n[artifacts] {where}")
        raise
    finally:
        ctx.close()
