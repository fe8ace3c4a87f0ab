"""The Inbox and its Chatbox under Voilà: outputs only, live both ways.

Voilà runs the notebook and shows the widgets; a conversation is opened in the list, a message is
typed in the Chatbox, and an ``on_send`` callback in the kernel answers it as bob: the answer comes
back into the same Chatbox.
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
from talkwidgets import Inbox, get_talk_session

alice = await get_talk_session(app_id="voila-chat", user_id="alice")
bob = await get_talk_session(app_id="voila-chat", user_id="bob")
await alice.current_user.create_if_not_exists(name="Alice")
await bob.current_user.create_if_not_exists(name="Bob")
for i in range(2):
    chat = bob.conversation(f"q{i}")
    await chat.create_if_not_exists(subject=f"Question {i}")
    await chat.participant("alice").create_if_not_exists()
    await chat.send(f"*help* with {i}")
""",
    """\
inbox = Inbox(alice)
inbox.chatbox.on_send(lambda sent: bob.conversation(sent.conversation_id).send(f"thanks for: {sent.text}"))
inbox
""",
]


@pytest.fixture()
def voila_server() -> Iterator[ServerProcess]:
    base = Path(tempfile.mkdtemp(prefix="tw-voila-chat-"))
    (base / "nb").mkdir()
    server = start_voila(base, write_notebook(base / "nb" / "desk.ipynb", CELLS))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_inbox_chats_live_in_voila(browser: Any, voila_server: ServerProcess, request: pytest.FixtureRequest) -> None:
    require_bundle("inbox")
    require_bundle("chatbox")
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB", timezone_id="UTC")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{voila_server.url}/?token={voila_server.token}", timeout=120_000)
        expect(page.locator(".tw-ib .tw-cl-item")).to_have_count(2, timeout=60_000)
        expect(page.locator(".jp-InputArea")).to_have_count(0)
        page.locator(".tw-ib .tw-cl-item[data-id='q0']").click()
        chat = page.locator(".tw-ib .tw-cb")
        expect(chat.locator(".tw-cb-rows .tw-cb-msg strong")).to_have_text("help")
        box = chat.locator(".tw-cb-input")
        box.fill("on it")
        box.press("Enter")
        texts = chat.locator(".tw-cb-rows .tw-cb-msg .tw-cb-text")
        expect(texts).to_have_text(["help with 0", "on it", "thanks for: on it"], timeout=20_000)
        assert errors == [], errors
    except BaseException:
        where = save_artifacts(request.node.name, page, voila_server, extra="page errors:\n" + "\n".join(errors))
        print(f"\n[artifacts] {where}")
        raise
    finally:
        ctx.close()
