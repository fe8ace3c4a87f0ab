"""``Inbox``: a ``ConversationList`` beside a ``Chatbox`` for the selected conversation.

A composition of the two widgets, not a third implementation: the Inbox holds both (anywidget's
widget references) and its front end renders their own views side by side, stacked when the Inbox
is narrow (a container query, which works inside notebook cells where media queries see the whole
window). Each child keeps its own sync, keyboard and offline handling; the Inbox ties their
selection together in the kernel: a click in the list, or ``inbox.selected_id = ...`` from Python,
shows that conversation in the Chatbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import traitlets
from anywidget import WidgetTrait

from ..session import ConversationFilter, TalkSession
from ._base import TalkWidget, require_session
from .chatbox import Chatbox
from .conversation_list import ConversationList

_STATIC = Path(__file__).resolve().parent.parent / "static"


class Inbox(TalkWidget):
    """The current user's conversations and the selected one, side by side.

    ``Inbox(session, filter={"is_unread": True})`` lists only matching conversations (the
    ``filter`` goes to ``ConversationList``); ``inbox.list`` and ``inbox.chatbox`` are the two
    widgets, with their own traits and callbacks.
    """

    OPTIONS = ("selected_id", "list_width")

    _esm = _STATIC / "inbox.js"
    _css = _STATIC / "inbox.css"

    selected_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The conversation shown in the Chatbox (selected in the list, or set from Python)."""

    list_width = traitlets.Int(300).tag(sync=True)
    """Width of the list in pixels when the two sit side by side (200 to 600)."""

    _list = WidgetTrait().tag(sync=True)
    _chatbox = WidgetTrait().tag(sync=True)

    def __init__(self, session: TalkSession, *, filter: ConversationFilter | None = None, **options: Any) -> None:
        """``filter``: a ``ConversationFilter`` for the list. ``options``: ``selected_id``,
        ``list_width`` and the DOM widget's ``layout``, ``tabbable``, ``tooltip``."""
        require_session(self, session)
        selected = options.get("selected_id")
        conversations = ConversationList(session, filter=filter, selected_id=selected)
        try:
            chatbox = Chatbox(session, selected)
        except Exception:  # no half-made Inbox stays subscribed
            conversations.close()
            raise
        try:
            super().__init__(session, options, _list=conversations, _chatbox=chatbox)
        except Exception:
            conversations.close()
            chatbox.close()
            raise
        self.list: ConversationList = conversations
        """The ``ConversationList`` on the left (or on top)."""
        self.chatbox: Chatbox = chatbox
        """The ``Chatbox`` of the selected conversation."""
        self._select_callbacks: list[Callable[[str | None], Any]] = []
        conversations.observe(self._from_list, names="selected_id")
        self.observe(self._to_children, names="selected_id")

    @traitlets.validate("list_width")
    def _valid_width(self, proposal: Any) -> int:
        if not 200 <= proposal["value"] <= 600:
            raise traitlets.TraitError(f"list_width must be 200 to 600 pixels, got {proposal['value']}")
        return int(proposal["value"])

    def on_select(self, callback: Callable[[str | None], Any]) -> Callable[[], None]:
        """Call ``callback(conversation_id)`` whenever the selection changes; returns an undo."""
        if not callable(callback):
            raise TypeError("callback must be callable")
        self._select_callbacks.append(callback)
        return lambda: self._select_callbacks.remove(callback) if callback in self._select_callbacks else None

    def close(self) -> None:
        """Close the list, the Chatbox and the Inbox (their subscriptions end)."""
        for child in (getattr(self, "list", None), getattr(self, "chatbox", None)):
            if child is not None:
                child.close()
        super().close()

    def _from_list(self, change: dict[str, Any]) -> None:
        self.selected_id = change["new"]

    def _to_children(self, change: dict[str, Any]) -> None:
        new = change["new"]
        self.list.selected_id = new
        self.chatbox.conversation_id = new
        for callback in list(self._select_callbacks):
            self._run_callback("on_select", callback, new)
