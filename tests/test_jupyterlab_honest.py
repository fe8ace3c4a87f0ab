"""Honest failure in a real JupyterLab, driven in headless Debian Chromium:

* what ``on_select`` and ``on_upload`` callbacks print (at once, after an ``await``, or when an
  upload finishes long after the click) and what they raise shows in the notebook, under the
  widget, in the cell that displayed it;
* after a kernel restart, both widgets turn visibly offline and refuse interaction: a click on a
  row sends nothing.

One JupyterLab server for the session (``jupyter_support.jupyterlab``); each test opens its own
notebook (its own kernel). Failure artifacts go to ``.ci/artifacts/``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import ROOT, browser, require_bundle  # noqa: F401 - session fixture
from tests.jupyter_support import (
    ServerProcess,
    jupyterlab,  # noqa: F401
    kernel_exec,
    lab_page,  # noqa: F401
    open_notebook,
    run_all,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]

MEDIA = ROOT / "tests" / "fixtures" / "media"

SETUP = """\
import asyncio
from talkwidgets import ConversationList, FileDrop, get_talk_session

alice = await get_talk_session(app_id="{app}", user_id="alice")
await alice.current_user.create_if_not_exists(name="Alice")
for cid in ("c1", "c2", "c3"):
    conversation = alice.conversation(cid)
    await conversation.create_if_not_exists(subject=f"Topic {{cid}}")
    await conversation.send(f"hello in {{cid}}")
    await asyncio.sleep(0.003)
"""

SHOW_LIST = """\
inbox = ConversationList(alice)


async def later(conversation_id):
    await asyncio.sleep(0.3)
    print("later:", conversation_id)


def broken(conversation_id):
    if conversation_id == "c2":
        1 / 0


inbox.on_select(lambda conversation_id: print("selected:", conversation_id))
inbox.on_select(later)
inbox.on_select(broken)
inbox
"""

SHOW_DROP = """\
drop = FileDrop(alice, direct=False)
drop.on_upload(lambda token, metadata: print("uploaded", metadata.filename))
drop
"""

ROWS = ".jp-OutputArea-output .tw-cl .tw-cl-item"


def _cell_with(page: Any, selector: str) -> Any:
    """The notebook cell whose outputs hold ``selector`` (the cell that displayed the widget)."""
    return page.locator(".jp-Notebook .jp-CodeCell").filter(has=page.locator(selector))


def test_callback_output_shows_under_the_widget_in_its_cell(lab_page: Any, jupyterlab: ServerProcess) -> None:  # noqa: F811
    page = lab_page
    require_bundle("conversation_list")
    require_bundle("file_drop")
    write_notebook(jupyterlab.root / "honest_output.ipynb", [SETUP.format(app="honest-out"), SHOW_LIST, SHOW_DROP])
    open_notebook(page, jupyterlab, "honest_output.ipynb")
    run_all(page)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(3, timeout=60_000)
    list_cell = _cell_with(page, ".tw-cl")
    drop_cell = _cell_with(page, ".tw-fd")
    expect(list_cell).to_have_count(1)

    # A click: the sync callback's line at once, the async one's after its await.
    page.locator(f'{ROWS}[data-id="c1"]').click()
    outputs = list_cell.locator(".jp-Cell-outputArea")
    expect(outputs).to_contain_text("selected: c1")
    expect(outputs).to_contain_text("later: c1")
    # A callback that raises: its traceback is shown there too (and the others still ran).
    page.locator(f'{ROWS}[data-id="c2"]').click()
    expect(outputs).to_contain_text("ZeroDivisionError")
    expect(outputs).to_contain_text("Exception in the on_select callback of ConversationList:")
    expect(outputs).to_contain_text("later: c2")
    # ...in that cell, not in the one that runs next, nor in the file drop's.
    expect(drop_cell.locator(".jp-Cell-outputArea")).not_to_contain_text("selected:")

    # on_upload runs when the upload to the chat server has finished: its output lands under the drop zone.
    drop_cell.locator(".tw-fd-input").set_input_files(str(MEDIA / "image.png"))
    expect(drop_cell.locator(".tw-fd-row")).to_have_attribute("data-state", "done", timeout=30_000)
    expect(drop_cell.locator(".jp-Cell-outputArea")).to_contain_text("uploaded image.png")
    assert page.page_errors == [], page.page_errors  # type: ignore[attr-defined]


RESTART = """async () => {
  const kernel = window.__twNotebook.sessionContext.session.kernel;
  await kernel.restart();
  return kernel.status;
}"""


def test_a_restarted_kernel_turns_both_widgets_offline(lab_page: Any, jupyterlab: ServerProcess) -> None:  # noqa: F811
    page = lab_page
    require_bundle("conversation_list")
    write_notebook(jupyterlab.root / "honest_restart.ipynb", [SETUP.format(app="honest-restart"), SHOW_LIST, SHOW_DROP])
    open_notebook(page, jupyterlab, "honest_restart.ipynb")
    run_all(page)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(3, timeout=60_000)
    inbox = page.locator(".jp-OutputArea-output .tw-cl")
    drop = page.locator(".jp-OutputArea-output .tw-fd")
    dot = inbox.locator(".tw-cl-conn")
    expect(inbox).to_have_attribute("data-link", "live")
    expect(drop).to_have_attribute("data-link", "live")
    expect(dot).to_have_attribute("aria-label", "Connection: Connected", timeout=30_000)
    model_id = kernel_exec(page, "print(inbox.model_id)")["stdout"].strip()

    page.evaluate(RESTART)

    # Offline within the link's bounded wait, and saying why.
    expect(inbox).to_have_attribute("data-link", "offline", timeout=30_000)
    expect(dot).to_have_attribute("aria-label", "Connection: Kernel offline")
    expect(dot).to_have_class(re.compile(r"\btw-cl-conn--kernel-offline\b"))
    expect(inbox.locator(".tw-cl-banner")).to_have_text(re.compile(r"^Disconnected: the kernel restarted"))
    expect(inbox.locator(".tw-cl-list")).to_have_attribute("aria-disabled", "true")
    expect(drop).to_have_attribute("data-link", "offline")
    expect(drop.locator(".tw-fd-zone")).to_have_attribute("aria-disabled", "true")
    expect(drop.locator(".tw-fd-offline")).to_contain_text("the kernel restarted")

    # A click goes nowhere, so it is not taken: no selection, no message for the old widget.
    sent_before = len(page.comm_tap.comm(model_id, sent=True))
    page.locator(f'{ROWS}[data-id="c3"]').click(force=True)  # force: the list says it is disabled
    expect(page.locator(f'{ROWS}[data-id="c3"]')).to_have_attribute("aria-selected", "false")
    selects = [
        f
        for f in page.comm_tap.comm(model_id, sent=True)[sent_before:]
        if (f.content.get("content") or {}).get("op") == "select"
    ]
    assert selects == []
    errors = [e for e in page.page_errors if "talkwidgets" in e]  # type: ignore[attr-defined]
    assert errors == [], errors
