"""Widgets refuse constructor arguments they do not know, answer the front end's liveness ping at
once, and show what their callbacks print (and raise) in their own ``output``, not in a log nobody
reads. Real sessions on the embedded emulator; the browser's side of the comm is played through the
widget's comm (the JupyterLab tier, test_jupyterlab_honest.py, shows it in a real notebook)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest

from talkwidgets import ConversationList, FileDrop, get_talk_session
from talkwidgets.widgets._callback_output import MAX_TEXT
from tests.session_support import Admin, new_app_id, wait_until
from tests.widget_support import from_browser


@pytest.fixture
async def alice() -> Any:
    app_id = new_app_id()
    admin = Admin.embedded(app_id)
    for uid in ("alice", "bob"):
        await admin.user(uid)
    await admin.conversation("c1", "alice", "bob")
    await admin.conversation("c2", "alice", "bob")
    yield await get_talk_session(app_id=app_id, user_id="alice")
    await admin.aclose()


# -- constructor arguments ------------------------------------------------------------------------


async def test_unknown_constructor_arguments_are_refused_by_name(alice: Any) -> None:
    with pytest.raises(TypeError) as caught:
        ConversationList(alice, theme="dark")
    assert str(caught.value) == (
        "ConversationList() got an unexpected keyword argument 'theme'; "
        "it accepts selected_id, layout, tabbable, tooltip"
    )
    with pytest.raises(TypeError) as caught:
        FileDrop(alice, maxsize=10, colour="red")
    message = str(caught.value)
    assert message.startswith("FileDrop() got an unexpected keyword arguments 'maxsize' (did you mean 'max_size'?), ")
    assert "'colour'" in message and "it accepts accept, max_size, multiple, recorder, direct" in message
    # Outputs are not options either: they belong to the widget.
    with pytest.raises(TypeError, match="'conversations'"):
        ConversationList(alice, conversations=[])
    with pytest.raises(TypeError, match="'uploads'"):
        FileDrop(alice, uploads=[])
    with pytest.raises(TypeError, match="needs a TalkSession, got str"):
        ConversationList("alice")  # type: ignore[arg-type]


async def test_known_options_still_work(alice: Any) -> None:
    import ipywidgets

    inbox = ConversationList(alice, selected_id="c2", layout=ipywidgets.Layout(width="300px"))
    drop = FileDrop(alice, accept="image/*", max_size=1000, multiple=False, recorder=False, direct=False, window=2)
    assert inbox.selected_id == "c2" and inbox.layout.width == "300px"
    assert (drop.accept, drop.max_size, drop.multiple, drop.recorder, drop.direct, drop.window) == (
        "image/*",
        1000,
        False,
        False,
        False,
        2,
    )
    inbox.close()
    drop.close()


# -- the liveness ping ----------------------------------------------------------------------------


class Recorder:
    def __init__(self, widget: Any) -> None:
        self.custom: list[dict[str, Any]] = []
        widget.comm.send = self._send  # type: ignore[method-assign]

    def _send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        if data and data.get("method") == "custom":
            self.custom.append(json.loads(json.dumps(data["content"])))


async def test_a_ping_is_answered_at_once_even_while_the_loop_is_busy(alice: Any) -> None:
    """The pong is sent on the thread the comm message arrives on: a cell keeping the session's
    loop busy does not make a live kernel look gone."""
    for widget in (ConversationList(alice), FileDrop(alice)):
        sent = Recorder(widget)
        from_browser(widget, {"op": "ping", "n": 7})  # no await: the loop never ran in between
        assert sent.custom == [{"op": "pong", "n": 7}]
        widget.close()


# -- callback output ------------------------------------------------------------------------------


def _text(widget: Any, stream: str = "stdout") -> str:
    return "".join(o["text"] for o in widget.output.outputs if o["output_type"] == "stream" and o["name"] == stream)


async def test_what_on_select_callbacks_print_lands_in_the_widget_output(alice: Any, capsys: Any) -> None:
    inbox = ConversationList(alice)
    await inbox.subscription.connected

    async def later(cid: str | None) -> None:
        await asyncio.sleep(0.05)
        print("async saw", cid)
        print("warning-ish", file=sys.stderr)

    inbox.on_select(lambda cid: print("selected:", cid))
    inbox.on_select(later)
    from_browser(inbox, {"op": "select", "id": "c1"})  # what a click sends
    await wait_until(lambda: "async saw c1" in _text(inbox), what="the async callback's output")
    print("a cell's own output")  # printed while no callback runs: not captured
    await asyncio.sleep(0)
    assert _text(inbox) == "selected: c1\nasync saw c1\n"
    assert _text(inbox, "stderr") == "warning-ish\n"
    out = capsys.readouterr()
    assert "selected:" not in out.out and "async saw" not in out.out and "a cell's own output" in out.out
    inbox.close()


async def test_a_cell_printing_while_an_async_callback_waits_keeps_its_output(alice: Any, capsys: Any) -> None:
    inbox = ConversationList(alice)
    gate = asyncio.Event()

    async def slow(cid: str | None) -> None:
        print("before", cid)
        await gate.wait()
        print("after", cid)

    inbox.on_select(slow)
    inbox.selected_id = "c2"  # set from Python: the same callbacks run
    await wait_until(lambda: "before c2" in _text(inbox), what="the callback to start")
    print("cell output in between")
    gate.set()
    await wait_until(lambda: "after c2" in _text(inbox), what="the callback to finish")
    assert _text(inbox) == "before c2\nafter c2\n"
    assert "cell output in between" in capsys.readouterr().out
    inbox.close()


async def test_a_failing_callback_shows_its_traceback_and_the_others_still_run(alice: Any) -> None:
    inbox = ConversationList(alice)

    def broken(cid: str | None) -> None:
        raise KeyError(cid)

    async def broken_later(cid: str | None) -> None:
        await asyncio.sleep(0)
        raise ValueError(f"no {cid}")

    heard: list[str | None] = []
    inbox.on_select(broken)
    inbox.on_select(broken_later)
    inbox.on_select(heard.append)
    inbox.selected_id = "c1"
    await wait_until(lambda: len([o for o in inbox.output.outputs if o["output_type"] == "error"]) == 2, what="errors")
    first, second = [o for o in inbox.output.outputs if o["output_type"] == "error"]
    assert (first["ename"], first["evalue"]) == ("KeyError", "'c1'")
    assert first["traceback"][0] == "Exception in the on_select callback of ConversationList:"
    assert any("raise KeyError(cid)" in line for line in first["traceback"])
    assert not any("_callback_output.py" in line for line in first["traceback"])  # the runner's own frame is left out
    assert (second["ename"], second["evalue"]) == ("ValueError", "no c1")
    assert not any("_callback_output.py" in line for line in second["traceback"])
    assert heard == ["c1"]
    inbox.close()


async def test_callback_output_is_bounded(alice: Any) -> None:
    inbox = ConversationList(alice)
    inbox.on_select(lambda cid: print("x" * 1000 * 200))
    inbox.selected_id = "c1"
    inbox.selected_id = "c2"
    total = sum(len(o.get("text", "")) for o in inbox.output.outputs)
    assert MAX_TEXT <= total <= MAX_TEXT + 1  # the newest text, cut at the front ("…")
    assert inbox.output.outputs[0]["text"].startswith("…")
    inbox.close()


async def test_on_upload_output_lands_in_the_file_drop_output(alice: Any) -> None:
    """``on_upload`` runs after the upload to the backend, long after the message that started it."""
    drop = FileDrop(alice, direct=False)
    drop.on_upload(lambda token, metadata: print("uploaded", metadata.filename))
    Recorder(drop)
    from_browser(drop, {"op": "begin", "id": "f", "name": "a.txt", "size": 3, "type": "text/plain", "kind": "file"})
    from_browser(drop, {"op": "chunk", "id": "f", "seq": 0, "offset": 0}, [b"abc"])
    from_browser(drop, {"op": "end", "id": "f"})
    await wait_until(lambda: "uploaded a.txt" in _text(drop), what="the on_upload output")
    assert _text(drop) == "uploaded a.txt\n"
    drop.close()
