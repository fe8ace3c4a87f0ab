"""What widget callbacks print, shown under the widget instead of in JupyterLab's log console.

A callback runs when a comm message arrives (a click, a finished upload), not during a cell, so
its output carries the comm message as parent and JupyterLab shows it in the log console, where
nobody looks. ipywidgets' ``Output`` widget captures output by that parent's id, which works only
while the front end still waits on the request (until the kernel reports idle): the output of an
async callback, of one scheduled onto the session's loop from a comm subshell, or of ``on_upload``
(which runs after the upload to the backend) would still be lost.

So the text is taken where it is written: ``sys.stdout`` and ``sys.stderr`` are wrapped once by a
stream that sends a write to the callback's :class:`CallbackOutput` when a ``contextvars`` marker
says it comes from a callback, and passes every other write through untouched (cells running at the
same time keep their output). Tasks started by a callback inherit the marker, so async callbacks are
covered too. The text lands in an ``ipywidgets.Output`` that the widget displays under itself: it
renders wherever widgets do, survives in saved notebooks, and can be placed in a layout by hand.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

import ipywidgets  # type: ignore[import-untyped]

from ._loop import call_on_loop

log = logging.getLogger("talkwidgets.widgets")

MAX_OUTPUTS = 200
"""Output entries kept; the oldest go first (widget state is saved in the notebook)."""
MAX_TEXT = 64 * 1024
"""Characters of callback text kept in total."""

_ROUTE: contextvars.ContextVar[CallbackOutput | None] = contextvars.ContextVar("talkwidgets_callback", default=None)


class _RoutedStream:
    """Stands in for ``sys.stdout``/``sys.stderr``: a callback's writes go to its output, the rest
    to the stream it wraps (whose other attributes it passes through)."""

    def __init__(self, name: str, target: TextIO) -> None:
        self._name = name
        self._target = target

    def write(self, text: str) -> int:
        route = _ROUTE.get()
        if route is None:
            return self._target.write(text)
        route.write(self._name, text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        route = _ROUTE.get()
        if route is not None:
            route.flush_soon()
        self._target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


_install_lock = threading.Lock()


def route_streams() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (once; again if something replaced them since)."""
    with _install_lock:
        if not isinstance(sys.stdout, _RoutedStream):
            sys.stdout = _RoutedStream("stdout", sys.stdout)
        if not isinstance(sys.stderr, _RoutedStream):
            sys.stderr = _RoutedStream("stderr", sys.stderr)


class CallbackOutput:
    """Runs one widget's callbacks and keeps what they print, and their errors, in ``widget``."""

    def __init__(self, owner: str, loop: asyncio.AbstractEventLoop) -> None:
        self.owner = owner
        self.loop = loop
        self.widget = ipywidgets.Output()
        """The ``ipywidgets.Output`` that shows the text (displayed under the owner widget)."""
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str]] = []
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- running callbacks ------------------------------------------------------------------------

    def call(self, what: str, callback: Callable[..., Any], *args: Any) -> None:
        """``callback(*args)`` with its output routed here; a coroutine it returns runs as a task on
        the session's loop (routed too); an exception, raised now or by that task, is shown with
        its traceback."""
        route_streams()
        token = _ROUTE.set(self)
        failure: Exception | None = None
        try:
            result = callback(*args)
            if asyncio.iscoroutine(result):
                # started while the marker is set: the task runs in a copy of this context
                self._start(what, result, contextvars.copy_context())
        except Exception as exc:
            failure = exc
        finally:
            _ROUTE.reset(token)
        if failure is not None:
            self.error(what, failure)
        self.flush()

    def _start(self, what: str, coro: Coroutine[Any, Any, Any], context: contextvars.Context) -> None:
        def start() -> None:
            task = self.loop.create_task(self._finish(what, coro))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            context.run(start)
        else:
            self.loop.call_soon_threadsafe(start, context=context)

    async def _finish(self, what: str, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.error(what, exc)
        finally:
            self.flush()

    def close(self) -> None:
        """Stop the callback tasks still running and close the output widget."""
        for task in list(self._tasks):
            task.cancel()
        self.widget.close()

    # -- text -------------------------------------------------------------------------------------

    def write(self, stream: str, text: str) -> None:
        """Keep ``text`` for ``stream`` (``stdout``/``stderr``); shown at the next flush."""
        if not text:
            return
        with self._lock:
            self._pending.append((stream, text))
        self.flush_soon()

    def notice(self, text: str) -> None:
        """A message of the widget itself (not of a callback), shown like a warning."""
        self.write("stderr", text if text.endswith("\n") else text + "\n")
        self.flush()

    def error(self, what: str, exc: BaseException) -> None:
        """Show a callback's exception with its traceback (and log it)."""
        token = _ROUTE.set(None)  # the log record goes to the kernel's log, not in here twice
        try:
            log.error("%s %s callback raised", self.owner, what, exc_info=exc)
        finally:
            _ROUTE.reset(token)
        entry = {
            "output_type": "error",
            "ename": type(exc).__name__,
            "evalue": str(exc),
            "traceback": [f"Exception in the {what} callback of {self.owner}:", *_traceback_lines(exc)],
        }
        self.flush()
        call_on_loop(self.loop, self._append, [entry])

    def flush_soon(self) -> None:
        """Flush once the current burst of writes is over (one state update, not one per write)."""
        with self._lock:
            if self._flush_scheduled or self.loop.is_closed():
                return
            self._flush_scheduled = True
        self.loop.call_soon_threadsafe(self.flush)

    def flush(self) -> None:
        """Move the kept text into the output widget (on the session's loop)."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._flush_scheduled = False
        if pending:
            call_on_loop(self.loop, self._append, [{"output_type": "stream", "name": s, "text": t} for s, t in pending])

    def _append(self, entries: list[dict[str, Any]]) -> None:
        outputs = [dict(o) for o in self.widget.outputs]
        for entry in entries:
            last = outputs[-1] if outputs else None
            if (
                entry["output_type"] == "stream"
                and last is not None
                and last.get("output_type") == "stream"
                and last.get("name") == entry["name"]
            ):
                last["text"] = last["text"] + entry["text"]
            else:
                outputs.append(dict(entry))
        self.widget.outputs = tuple(_bounded(outputs))


def _traceback_lines(exc: BaseException) -> list[str]:
    """The traceback as a notebook shows a cell's (IPython's colours where IPython runs), without
    the frame of the runner that called the callback."""
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code in _RUNNER_CODE:
        tb = tb.tb_next
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        lines: list[str] = shell.InteractiveTB.structured_traceback(type(exc), exc, tb)
        return lines
    return [line.rstrip("\n") for line in traceback.format_exception(type(exc), exc, tb)]


_RUNNER_CODE = (CallbackOutput.call.__code__, CallbackOutput._finish.__code__)


def _bounded(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest entries within ``MAX_OUTPUTS`` and ``MAX_TEXT``, oldest text cut at the front."""
    outputs = outputs[-MAX_OUTPUTS:]
    total = 0
    kept: list[dict[str, Any]] = []
    for entry in reversed(outputs):
        size = len(entry.get("text", "")) + sum(len(line) for line in entry.get("traceback", ()))
        if total + size > MAX_TEXT:
            if entry.get("output_type") == "stream" and total < MAX_TEXT:
                kept.append({**entry, "text": "…" + entry["text"][-(MAX_TEXT - total) :]})
            break
        total += size
        kept.append(entry)
    return kept[::-1]
