"""What every talkwidgets widget shares: a session, constructor options checked by name, an answer
to the front end's liveness ping, and an ``Output`` under the widget for what callbacks print."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import anywidget

from ..session import TalkSession
from ._callback_output import CallbackOutput

DOM_OPTIONS = ("layout", "tabbable", "tooltip")
"""Options every ipywidgets DOM widget takes (its container's layout, focus order, tooltip)."""


def check_options(widget: str, given: Iterable[str], accepted: tuple[str, ...]) -> None:
    """Refuse keyword arguments the widget does not know: traitlets would otherwise accept them
    silently (``theme="dark"`` would do nothing, and say nothing)."""
    unknown = [name for name in given if name not in accepted]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, accepted, 1)
        hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    noun = "argument" if len(unknown) == 1 else "arguments"
    raise TypeError(f"{widget}() got an unexpected keyword {noun} {', '.join(hints)}; it accepts {', '.join(accepted)}")


def require_session(widget: object, session: object) -> TalkSession:
    if not isinstance(session, TalkSession):
        raise TypeError(f"{type(widget).__name__} needs a TalkSession, got {type(session).__name__}")
    return session


def is_ping(content: Any) -> bool:
    return isinstance(content, Mapping) and content.get("op") == "ping"


class TalkWidget(anywidget.AnyWidget):
    """Base of the talkwidgets widgets (not used directly)."""

    OPTIONS: ClassVar[tuple[str, ...]] = ()
    """The keyword arguments of the constructor besides ``DOM_OPTIONS``: the public settable traits."""

    def __init__(self, session: TalkSession, options: Mapping[str, Any], **traits: Any) -> None:
        name = type(self).__name__
        require_session(self, session)
        check_options(name, options, (*self.OPTIONS, *DOM_OPTIONS))
        self._callback_output = CallbackOutput(name, session.loop)
        try:
            super().__init__(**traits, **options)
        except Exception:
            self._callback_output.close()  # a refused option value: no orphan output widget
            raise
        self.session = session
        self.output = self._callback_output.widget
        """An ``ipywidgets.Output`` showing what this widget's callbacks print and raise, and the
        widget's own notices. It is displayed under the widget; place it yourself when you put the
        widget in a layout (``VBox([widget, widget.output])``)."""
        # First, so that the answer does not wait for the session's loop (busy with a cell).
        self.on_msg(self._answer_ping)

    def _answer_ping(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """The front end's liveness check (js/src/kernel_link.ts): answered on the thread the comm
        message arrived on, so a cell running on the session's loop does not delay it."""
        if is_ping(content):
            self.send({"op": "pong", "n": content.get("n")})

    def _run_callback(self, what: str, callback: Callable[..., Any], *args: Any) -> None:
        self._callback_output.call(what, callback, *args)

    def _notice(self, text: str) -> None:
        self._callback_output.notice(text)

    def _ipython_display_(self, **kwargs: Any) -> None:
        """The widget, then its output area (empty until a callback prints)."""
        from IPython.display import display as untyped_display

        display: Callable[..., None] = untyped_display
        make_bundle = self._repr_mimebundle_  # None once the widget is closed
        bundle = make_bundle(**kwargs) if make_bundle is not None else None
        if bundle is None:
            display({"text/plain": repr(self)}, raw=True)
            return
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        display(data, metadata=metadata, raw=True)
        display(self.output)

    def close(self) -> None:
        output = getattr(self, "_callback_output", None)
        if output is not None:
            output.close()
        super().close()
