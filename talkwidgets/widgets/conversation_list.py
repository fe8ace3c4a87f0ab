"""``ConversationList``: a live inbox widget over ``session.subscribe_conversations``.

The ``conversations`` trait always holds the whole window (saved notebooks and new views read it),
but a change reaches the browser as a small patch message (see ``_list_sync``); the trait itself
is updated without re-sending it. A view that misses a patch asks for the trait again.

The widget follows the subscription's change sets (``on_change``), not its whole tuple: a new
message costs the JSON of the one conversation that changed and one ``put`` op, whatever the
number of conversations loaded. Nothing compares the old and new lists, and the trait is a plain
``List()`` that traitlets validates without looking at its items.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import traitlets

from ..model.errors import TalkError
from ..model.snapshots import ConversationSnapshot, UserSnapshot
from ..model.states import ActiveState, ErrorState, WindowChange
from ..model.wire import to_json
from ..session import ConversationFilter, ConversationListSubscription, TalkSession
from ._base import TalkWidget, is_ping, require_session
from ._list_sync import PatchedListSync, change_ops
from ._loop import call_on_loop

log = logging.getLogger("talkwidgets.widgets")

_STATIC = Path(__file__).resolve().parent.parent / "static"
_MAX_LOAD_MORE = ConversationListSubscription.MAX_LOAD_MORE


def _strip_tokens(value: Any) -> Any:
    """File tokens are credentials for re-sending a file: they never go into widget state."""
    if isinstance(value, dict):
        return {k: _strip_tokens(v) for k, v in value.items() if k != "file_token"}
    if isinstance(value, list):
        return [_strip_tokens(v) for v in value]
    return value


class ConversationList(PatchedListSync, TalkWidget):
    """The current user's conversations, most recently active first, updating live.

    ``ConversationList(session)`` subscribes at once; ``close()`` unsubscribes. What ``on_select``
    callbacks print shows in ``output``, under the list.
    """

    OPTIONS = ("selected_id",)

    _esm = _STATIC / "conversation_list.js"
    _css = _STATIC / "conversation_list.css"

    conversations: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    """The loaded window as JSON snapshot dicts (snake_case), newest activity first.

    Each has the ``ConversationSnapshot`` fields plus ``participants``: the other participants'
    ``{id, name, photo_url}``. File tokens are removed. Set by the widget only (read it, do not
    assign it)."""

    loaded_all = traitlets.Bool(False).tag(sync=True)
    """True once every conversation of the user is in ``conversations``."""

    state = traitlets.Unicode("pending").tag(sync=True)
    """The subscription's state: ``pending``, ``active``, ``unsubscribed`` or ``error``."""

    error = traitlets.Unicode("").tag(sync=True)
    """The error message when ``state`` is ``error``, else empty."""

    selected_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The conversation picked in the browser (sent as a ``select`` message) or set from Python;
    ``None`` when none is."""

    connection = traitlets.Unicode("offline").tag(sync=True)
    """Live-update link of the session: ``connected``, ``reconnecting`` or ``offline``."""

    current_user_id = traitlets.Unicode("").tag(sync=True)
    """Whose list this is (to write "You:" before your own messages)."""

    loading_more = traitlets.Bool(False).tag(sync=True)
    """True while a ``load_more`` is in flight."""

    _seq = traitlets.Int(0).tag(sync=True)
    """Number of the last patch applied to ``conversations`` (views detect gaps with it)."""

    def __init__(self, session: TalkSession, *, filter: ConversationFilter | None = None, **options: Any) -> None:
        """``filter``: a ``ConversationFilter`` (docs/session.md): only matching conversations are
        listed. ``options``: ``selected_id`` and the DOM widget's ``layout``, ``tabbable``,
        ``tooltip``; any other name is a ``TypeError``."""
        require_session(self, session)
        super().__init__(session, options, current_user_id=session.current_user.id, connection=session.connection)
        self._json: dict[str, tuple[ConversationSnapshot, tuple[Any, ...], dict[str, Any]]] = {}
        self._users: dict[str, UserSnapshot] = {}
        self._pending_users: set[str] = set()
        self._snapshots: tuple[ConversationSnapshot, ...] = ()
        self._select_callbacks: list[Callable[[str | None], Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_msg(self._on_custom_msg)
        self.observe(self._on_selection, names="selected_id")
        self._stop_connection = session.on_connection_change(self._on_connection_status)
        try:
            subscription = session.subscribe_conversations(filter=filter)
        except Exception:  # a malformed filter: no half-made widget stays open
            self._stop_connection()
            super().close()
            raise
        self.subscription: ConversationListSubscription = subscription
        """The live ``ConversationListSubscription`` behind this widget."""
        self.subscription.on_change(self._on_change)  # before the first emission: it runs in a task
        self.subscription.terminated.add_done_callback(self._terminated)

    # -- public API -----------------------------------------------------------------------------

    def on_select(self, callback: Callable[[str | None], Any]) -> Callable[[], None]:
        """Call ``callback(conversation_id)`` whenever the selection changes; returns an undo."""
        if not callable(callback):
            raise TypeError("callback must be callable")
        self._select_callbacks.append(callback)
        return lambda: self._select_callbacks.remove(callback) if callback in self._select_callbacks else None

    def load_more(self, count: int = ConversationListSubscription.DEFAULT_LOAD_MORE) -> asyncio.Task[None]:
        """Load ``count`` (1..30) older conversations; await the result or let it run."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= _MAX_LOAD_MORE:
            raise ValueError(f"count must be an integer from 1 to {_MAX_LOAD_MORE}, got {count!r}")
        return self._spawn(self._load_more(count))

    def close(self) -> None:
        """Unsubscribe and close the widget."""
        subscription = getattr(self, "subscription", None)
        if subscription is not None:
            subscription.unsubscribe()
            self._terminated(subscription.terminated)
            self._stop_connection()
            for task in list(self._tasks):
                task.cancel()
        super().close()

    # -- snapshots to traits --------------------------------------------------------------------

    def _on_change(self, state: ActiveState[tuple[ConversationSnapshot, ...]], change: WindowChange) -> None:
        snapshots = state.latest_snapshot
        self._snapshots = snapshots
        self.state = "active"
        self.loaded_all = bool(state.loaded_all)
        for cid in change.removed:
            self._json.pop(cid, None)
        renamed = self._learn_users(snapshots[at] for at in change.positions.values())
        added = set(change.added)
        puts = [(at, self._to_json(snapshots[at])) for at in change.positions.values()]
        self.patch_conversations(change_ops(change.removed, puts, [c for c in change.positions if c not in added]))
        if renamed:  # other rows list these users among their participants
            self._refresh_rows(renamed)

    def _learn_users(self, snapshots: Iterable[ConversationSnapshot]) -> set[str]:
        """Remember the users these conversations show, start reading the unknown ones, and answer
        which known users now read differently (a new name or photo)."""
        me = self.session.current_user.id
        missing: set[str] = set()
        renamed: set[str] = set()
        for snap in snapshots:
            sender = snap.last_message.sender if snap.last_message else None
            if sender is not None:
                known = self._users.get(sender.id)
                if known is not None and known != sender:
                    renamed.add(sender.id)
                self._users[sender.id] = sender
            missing.update(uid for uid in snap.participant_ids if uid != me and uid not in self._users)
        missing -= self._pending_users
        if missing:
            self._pending_users |= missing
            self._spawn(self._fetch_users(sorted(missing)))
        return renamed

    async def _fetch_users(self, user_ids: list[str]) -> None:
        results = await asyncio.gather(*(self.session.user(uid).get() for uid in user_ids), return_exceptions=True)
        for uid, user in zip(user_ids, results, strict=False):
            self._pending_users.discard(uid)
            if isinstance(user, UserSnapshot):
                self._users[uid] = user
            else:
                self._users[uid] = UserSnapshot(id=uid, name=uid)
        self._refresh_rows(set(user_ids))

    def _refresh_rows(self, user_ids: set[str]) -> None:
        """Re-send the rows whose participants include ``user_ids`` (a scan of the window, but only
        when users were read or renamed, not per event)."""
        puts = []
        for at, snap in enumerate(self._snapshots):
            if not user_ids.isdisjoint(snap.participant_ids):
                shown = self._json.get(snap.id)
                data = self._to_json(snap)
                if shown is None or shown[2] is not data:
                    puts.append((at, data))
        self.patch_conversations(change_ops((), puts, [data["id"] for _, data in puts]))

    def _to_json(self, snap: ConversationSnapshot) -> dict[str, Any]:
        me = self.session.current_user.id
        people = tuple(self._users.get(uid) for uid in snap.participant_ids if uid != me)
        cached = self._json.get(snap.id)
        if cached is not None and cached[0] is snap and cached[1] == people:
            return cached[2]
        data: dict[str, Any] = _strip_tokens(to_json(snap))
        data["participants"] = [
            {"id": uid, "name": u.name if u else uid, "photo_url": u.photo_url if u else None}
            for uid, u in zip((i for i in snap.participant_ids if i != me), people, strict=False)
        ]
        self._json[snap.id] = (snap, people, data)
        return data

    # -- browser messages and state -------------------------------------------------------------

    def _on_custom_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        if is_ping(content):
            return  # answered by TalkWidget
        call_on_loop(self.session.loop, self._dispatch, widget, content, buffers)

    def _dispatch(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict) or self._handle_list_sync_msg(widget, content, buffers):
            return
        op = content.get("op")
        if op == "select":  # a click or Enter in the browser
            selected = content.get("id")
            if selected is None or (isinstance(selected, str) and selected):
                self.selected_id = selected
        elif op == "load_more":
            count = content.get("count", ConversationListSubscription.DEFAULT_LOAD_MORE)
            if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= _MAX_LOAD_MORE:
                self.load_more(count)

    async def _load_more(self, count: int) -> None:
        self.loading_more = True
        try:
            await self.subscription.load_more(count)
        except TalkError as exc:
            log.warning("load_more failed: %s", exc)
        finally:
            self.loading_more = False

    def _on_selection(self, change: dict[str, Any]) -> None:
        for callback in list(self._select_callbacks):
            self._run_callback("on_select", callback, change["new"])

    def _on_connection_status(self, status: str) -> None:
        self.connection = status

    def _terminated(self, future: asyncio.Future[Any]) -> None:
        state = future.result()
        if isinstance(state, ErrorState):
            self.error = str(state.error) or type(state.error).__name__
            self.state = "error"
        else:
            self.state = "unsubscribed"
        self.connection = "offline"

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro) if asyncio.iscoroutine(coro) else coro
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
