"""The Inbox and its Chatbox in Notebook 7 (the ``notebook`` package), driven in headless Chromium.

Notebook 7 is JupyterLab's machinery with its own shell: the widgets must render, chat live, and
keep Notebook 7's command-mode shortcuts (``a``, ``b``, ``d d``...) from firing while someone types.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser_support import require_bundle
from tests.jupyter_support import TOKEN, ServerProcess, isolated_env, save_artifacts, write_notebook
from tests.process_support import free_port

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]


CELLS = [
    """\
from talkwidgets import Inbox, get_talk_session

alice = await get_talk_session(app_id="nb7", user_id="alice")
bob = await get_talk_session(app_id="nb7", user_id="bob")
await alice.current_user.create_if_not_exists(name="Alice")
await bob.current_user.create_if_not_exists(name="Bob")
for i in range(3):
    chat = bob.conversation(f"t{i}")
    await chat.create_if_not_exists(subject=f"Ticket {i}")
    await chat.participant("alice").create_if_not_exists()
    await chat.send(f"problem number {i}")
heard = []
bob.conversation("t1").subscribe_messages(lambda msgs, _all: heard.append(msgs[0].plaintext) if msgs else None)
""",
    "inbox = Inbox(alice)\ninbox",
]


@pytest.fixture(scope="module")
def notebook7() -> Iterator[ServerProcess]:
    """A Notebook 7 server on a free loopback port (its app exposed as ``window.jupyterapp``)."""
    base = Path(tempfile.mkdtemp(prefix="tw-nb7-"))
    root = base / "notebooks"
    root.mkdir()
    write_notebook(root / "desk.ipynb", CELLS)
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "notebook",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={TOKEN}",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]
    log_path = base / "notebook7.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed by ServerProcess.stop
    proc = subprocess.Popen(cmd, env=isolated_env(base), stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = ServerProcess("notebook7", f"http://127.0.0.1:{port}", TOKEN, root, base, log_path, proc, log)
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Notebook 7 exited:\n{server.log_text()[-3000:]}")
            try:
                if httpx.get(f"{server.url}/api/status", params={"token": TOKEN}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Notebook 7 did not start:\n{server.log_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_inbox_chats_in_notebook7_and_keeps_its_shortcuts_away(
    browser: Any,
    notebook7: ServerProcess,
    request: pytest.FixtureRequest,
) -> None:
    require_bundle("inbox")
    require_bundle("chatbox")
    ctx = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="en-GB", timezone_id="UTC")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    # Notebook 7.6 itself raises one error while loading its settings (in notebook_core, with or
    # without widgets); every other page error counts
    page.on("pageerror", lambda e: None if "notebook_core" in (e.stack or "") else errors.append(f"{e}\n{e.stack}"))
    try:
        page.goto(f"{notebook7.url}/notebooks/desk.ipynb?token={TOKEN}")
        page.wait_for_function(
            "() => { const w = window.jupyterapp?.shell?.currentWidget; return !!(w && w.sessionContext); }",
            timeout=60_000,
        )
        page.evaluate(
            """async () => {
            const app = window.jupyterapp, nb = app.shell.currentWidget;
            await nb.context.ready; await nb.sessionContext.ready;
            await app.commands.execute("notebook:run-all-cells");
        }"""
        )
        rows = page.locator(".tw-ib .tw-cl-item")
        expect(rows).to_have_count(3, timeout=60_000)
        page.locator(".tw-ib .tw-cl-item[data-id='t1']").click()
        chat = page.locator(".tw-ib .tw-cb")
        expect(chat.locator(".tw-cb-title")).to_have_text("Ticket 1")
        expect(chat.locator(".tw-cb-rows .tw-cb-msg .tw-cb-text")).to_have_text(["problem number 1"])
        cells_before = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
        box = chat.locator(".tw-cb-input")
        box.click()
        # letters that are Notebook 7 command-mode shortcuts (a, b: insert cells; d d: delete one)
        box.press_sequentially("a bad idea, dd")
        box.press("Enter")
        expect(chat.locator(".tw-cb-rows .tw-cb-msg").last.locator(".tw-cb-text")).to_have_text("a bad idea, dd")
        cells_after = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
        assert cells_after == cells_before, "typing in the chat ran notebook shortcuts"
        page.wait_for_function(
            """async () => {
            const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            const future = kernel.requestExecute({code: "print(heard[-1] if heard else '')"});
            let out = "";
            future.onIOPub = (m) => { if (m.header.msg_type === "stream") out += m.content.text; };
            await future.done;
            return out.trim() === "a bad idea, dd";
        }""",
            timeout=20_000,
        )
        assert errors == [], errors
    except BaseException:
        where = save_artifacts(request.node.name, page, notebook7, extra="page errors:\n" + "\n".join(errors))
        print(f"\n[artifacts] {where}")
        raise
    finally:
        ctx.close()
