"""``Chatbox``: one conversation, live: header, message thread and composer.

The thread is the conversation's ``MessageSubscription``; the header its details, participants and
their online status; typing goes both ways. The ``messages`` trait holds the loaded window (saved
notebooks and new views read it), but a change reaches the browser as a numbered patch naming only
the messages that changed (``_message_ops``), so a new message costs the same whatever the history
loaded. File URLs and tokens never enter state: the browser asks for the URLs of the files it
shows. Attachments travel through a composed ``FileDrop`` (its uploader, checks and metadata
rules). Protocol: docs/widget-sync-protocol.md, "Chatbox".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import traitlets
from anywidget import WidgetTrait

from ..model.content import SendFileBlock
from ..model.errors import InvalidArgumentError, TalkError
from ..model.files import FileMetadata, FileToken
from ..model.snapshots import ConversationSnapshot, MessageSnapshot, TypingSnapshot
from ..session import MessageSubscription, TalkSession
from ._base import TalkWidget, is_ping, require_session
from ._composer_rules import MAX_EMOJI, MAX_TEXT, SCROLL_SEARCH_LIMIT, TYPING_EVERY, SentMessage, is_message_id
from ._conversation_feed import ConversationFeed
from ._list_sync import PatchedListSync
from ._loop import call_on_loop
from ._message_json import conversation_json, file_urls, message_json, participant_json, user_json
from ._message_ops import MessageWindow
from .file_drop import FileDrop

log = logging.getLogger("talkwidgets.widgets")

_STATIC = Path(__file__).resolve().parent.parent / "static"
_MAX_LOAD_MORE = MessageSubscription.MAX_LOAD_MORE


class Chatbox(PatchedListSync, TalkWidget):
    """One conversation of the current user, live: read it, answer it, react, edit, attach.

    ``Chatbox(session, "conversation-id")`` subscribes at once; set ``conversation_id`` to show
    another one (``None`` shows nothing); ``close()`` unsubscribes.
    """

    OPTIONS = ("conversation_id", "draft")
    LIST_TRAITS = ("messages", "_seq")

    _esm = _STATIC / "chatbox.js"
    _css = _STATIC / "chatbox.css"

    conversation_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The conversation shown; set it to switch (``None``: none)."""

    messages: traitlets.List[Any] = traitlets.List(read_only=True).tag(sync=True)
    """The loaded messages, oldest first, as JSON dicts (docs/widgets.md, "Message dicts"):
    ``id, type, conversation_id, sender, created_at, edited_at, origin, plaintext, content,
    custom, reactions, referenced_message_id, referenced_message``. No file URL, no file token.
    (No per-item trait type: traitlets would check all of them on every new message.)"""

    conversation = traitlets.Dict().tag(sync=True)
    """The header's view of the conversation: ``id, subject, photo_url, custom, access,
    read_until, everyone_read_until, participant_count`` (empty while none is shown)."""

    participants = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The most recently joined participants (up to 10 at first), each ``{id, name, photo_url,
    role, access, online}``; ``online`` is ``None`` while unknown."""

    typing = traitlets.Dict({"many": False, "users": []}).tag(sync=True)
    """Who else is typing: ``{"many": False, "users": [{id, name, ...}]}``, or ``{"many": True}``
    for more than five."""

    draft = traitlets.Unicode("").tag(sync=True)
    """The composer's text: what the person is typing (saved a moment after they stop), or what
    Python puts there."""

    current_user = traitlets.Dict().tag(sync=True)
    """``{id, name, photo_url, role}`` of the session's user (whose messages go on the right)."""

    loaded_all = traitlets.Bool(False).tag(sync=True)
    """True once the whole history is in ``messages``."""

    loading_more = traitlets.Bool(False).tag(sync=True)
    """True while older messages are loading."""

    state = traitlets.Unicode("idle").tag(sync=True)
    """``idle`` (no conversation), ``pending``, ``active``, ``missing`` (it does not exist, or the
    user is not in it), ``unsubscribed`` or ``error``."""

    error = traitlets.Unicode("").tag(sync=True)
    """Why, when ``state`` is ``error``; else empty."""

    connection = traitlets.Unicode("offline").tag(sync=True)
    """Live-update link of the session: ``connected``, ``reconnecting`` or ``offline``."""

    actions = traitlets.Bool(False, read_only=True).tag(sync=True)
    """True once an ``on_action`` callback is registered: action buttons and links in messages
    are then clickable (else they are shown inert)."""

    _seq = traitlets.Int(0).tag(sync=True)
    """Number of the last patch applied to ``messages``."""

    _attachments = WidgetTrait().tag(sync=True)
    """The composed ``FileDrop`` whose uploader the composer uses (not displayed)."""

    def __init__(self, session: TalkSession, conversation_id: str | None = None, **options: Any) -> None:
        """``options``: ``draft`` and the DOM widget's ``layout``, ``tabbable``, ``tooltip``; any
        other name is a ``TypeError``."""
        require_session(self, session)
        if conversation_id is not None and (not isinstance(conversation_id, str) or not conversation_id):
            raise InvalidArgumentError(f"conversation_id must be a non-empty string or None, got {conversation_id!r}")
        me = session.current_user.id
        attachments = FileDrop(session)
        try:
            super().__init__(
                session,
                options,
                current_user={"id": me, "name": me, "photo_url": None, "role": "default"},
                connection=session.connection,
                _attachments=attachments,
            )
        except Exception:  # a refused option leaves no attachments widget open
            attachments.close()
            raise
        self.attachments: FileDrop = attachments
        """The ``FileDrop`` behind the composer's attach and record buttons: set its ``accept``,
        ``max_size`` or ``recorder`` to change what may be attached."""
        self._window = MessageWindow(message_json)
        self._feed: ConversationFeed | None = None
        self._send_callbacks: list[Callable[[SentMessage], Any]] = []
        self._action_callbacks: list[Callable[[str, dict[str, str], str], Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_typing = 0.0
        self._reading = False
        self._attach_context: dict[str, tuple[str, str | None]] = {}
        self._attach_done: dict[str, tuple[FileToken, FileMetadata]] = {}
        self.on_msg(self._on_custom_msg)
        self.observe(self._on_conversation_id, names="conversation_id")
        self._stop_connection = session.on_connection_change(self._on_connection_status)
        self._stop_upload = attachments.on_upload(self._on_attachment)
        self._spawn(self._load_current_user())
        if conversation_id is not None:
            self.conversation_id = conversation_id

    # -- public API -----------------------------------------------------------------------------

    @property
    def subscription(self) -> MessageSubscription | None:
        """The ``MessageSubscription`` of the conversation shown (``None`` while none is)."""
        return self._feed.messages if self._feed else None

    def on_send(self, callback: Callable[[SentMessage], Any]) -> Callable[[], None]:
        """Call ``callback(SentMessage)`` after each message sent from the composer; returns an undo."""
        return self._add_callback(self._send_callbacks, callback)

    def on_action(self, callback: Callable[[str, dict[str, str], str], Any]) -> Callable[[], None]:
        """Call ``callback(action, params, message_id)`` when someone clicks an action button or
        action link in a message; returns an undo. Without callbacks they are shown inert."""
        return self._add_callback(self._action_callbacks, callback)

    def send(self, content: Any, buffers: Any = None, *, reply_to: str | None = None) -> Any:
        """``chatbox.send("text", reply_to=None)`` sends ``text`` (TalkJS markup) to the conversation
        shown, as a reply to the message ``reply_to`` if given, and answers a task with its
        ``MessageRef`` (await it, or let it run).

        Any other ``content`` is an ipywidgets custom message to the front end (``Widget.send``, the
        widget's own protocol) and goes on as such.
        """
        if not isinstance(content, str):
            if reply_to is not None:
                raise TypeError("reply_to goes with a text message")
            return super().send(content, buffers)
        if self._feed is None:
            raise InvalidArgumentError("no conversation is shown (set conversation_id first)")
        if not content.strip():
            raise InvalidArgumentError(f"text must be a non-empty string, got {content!r}")
        if reply_to is not None and not is_message_id(reply_to):
            raise InvalidArgumentError(f"reply_to must be a message id, got {reply_to!r}")
        return self._spawn(self._feed.ref.send(content, referenced_message=reply_to))

    def scroll_to(self, message_id: str) -> asyncio.Task[bool]:
        """Scroll the thread to ``message_id``, loading older messages until it is there (up to
        2,000); the task answers whether it was found."""
        if not isinstance(message_id, str) or not message_id:
            raise InvalidArgumentError(f"message_id must be a non-empty string, got {message_id!r}")
        return self._spawn(self._scroll_to(message_id))

    def load_more(self, count: int = MessageSubscription.DEFAULT_LOAD_MORE) -> asyncio.Task[None]:
        """Load ``count`` (1..100) older messages; await the result or let it run."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= _MAX_LOAD_MORE:
            raise InvalidArgumentError(f"count must be an integer from 1 to {_MAX_LOAD_MORE}, got {count!r}")
        return self._spawn(self._load_more(count))

    def close(self) -> None:
        """Unsubscribe and close the widget (and its attachments' ``FileDrop``)."""
        if getattr(self, "_feed", None) is not None:
            self._close_feed()
        if hasattr(self, "_stop_connection"):
            self._stop_connection()
            self._stop_upload()
            for task in list(self._tasks):
                task.cancel()
            self.attachments.close()
        super().close()

    # -- the conversation shown -------------------------------------------------------------------

    def _on_conversation_id(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new is not None and not new:
            self.conversation_id = None
            return
        call_on_loop(self.session.loop, self._switch, new)

    def _switch(self, conversation_id: str | None) -> None:
        if self._feed is not None and self._feed.id == conversation_id:
            return
        self._close_feed()
        with self.hold_sync():
            self.set_trait("messages", self._window.reset(()))
            self._seq += 1
            self.conversation = {}
            self.participants = []
            self.typing = {"many": False, "users": []}
            self.loaded_all = False
            self.error = ""
            self.state = "idle" if conversation_id is None else "pending"
        if conversation_id is not None:
            self._feed = ConversationFeed(self.session, conversation_id, self)

    def _close_feed(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    # -- FeedSink -----------------------------------------------------------------------------------

    def feed_messages(self, snapshots: tuple[MessageSnapshot, ...] | None, loaded_all: bool) -> None:
        if snapshots is None:
            self.state = "missing"
            if self.messages:
                self.replace_list(self._window.reset(()))
            return
        first = self.state != "active"
        with self.hold_sync():
            self.loaded_all = loaded_all
            self.state = "active"
            if first:
                self.replace_list(self._window.reset(snapshots))
                return
            items, ops = self._window.update(snapshots)
            if ops:
                self.patch_list(items, ops)

    def feed_details(self, snapshot: ConversationSnapshot | None) -> None:
        self.conversation = conversation_json(snapshot) if snapshot else {}

    def feed_participants(self) -> None:
        feed = self._feed
        if feed is not None:
            self.participants = [participant_json(p, feed.online) for p in feed.participants]

    def feed_typing(self, snapshot: TypingSnapshot | None) -> None:
        if snapshot is None or not snapshot.many:
            users = [user_json(u) for u in getattr(snapshot, "users", ())]
            self.typing = {"many": False, "users": users}
        else:
            self.typing = {"many": True, "users": []}

    def feed_ended(self, error: BaseException | None) -> None:
        if error is not None:
            self.error = str(error) or type(error).__name__
            self.state = "error"
        else:
            self.state = "unsubscribed"

    # -- browser messages -------------------------------------------------------------------------

    def _on_custom_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        if is_ping(content):
            return  # answered by TalkWidget
        call_on_loop(self.session.loop, self._dispatch, widget, content, buffers)

    def _dispatch(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict) or self._handle_list_sync_msg(widget, content, buffers):
            return
        op = content.get("op")
        handler = self._HANDLERS.get(op) if isinstance(op, str) else None
        if handler is not None:
            handler(self, content)

    def _op_send(self, msg: dict[str, Any]) -> None:
        text, reply_to, nonce = msg.get("text"), msg.get("reply_to"), msg.get("nonce")
        feed = self._feed
        if feed is None or not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            reason = f"a message has 1 to {MAX_TEXT} characters" if feed else "no conversation is shown"
            self.send({"op": "send_failed", "nonce": nonce, "reason": reason})
            return
        reply = reply_to if isinstance(reply_to, str) and reply_to else None
        self._spawn(self._send_from_composer(feed, text, reply, nonce))

    async def _send_from_composer(self, feed: ConversationFeed, text: str, reply_to: str | None, nonce: Any) -> None:
        try:
            ref = await feed.ref.send(text, referenced_message=reply_to)
        except TalkError as exc:
            self.send({"op": "send_failed", "nonce": nonce, "reason": str(exc)})
            return
        self.send({"op": "sent", "nonce": nonce, "id": ref.id})
        if self.draft:
            self.draft = ""
        self._sent(SentMessage(feed.id, ref, text, reply_to))

    def _sent(self, event: SentMessage) -> None:
        for callback in list(self._send_callbacks):
            self._run_callback("on_send", callback, event)

    def _op_draft(self, msg: dict[str, Any]) -> None:
        text = msg.get("text")
        if isinstance(text, str) and len(text) <= MAX_TEXT:
            self.draft = text

    def _op_typing(self, _msg: dict[str, Any]) -> None:
        now = time.monotonic()
        if self._feed is None or now - self._last_typing < TYPING_EVERY:
            return
        self._last_typing = now
        self._spawn(self._quietly("mark_as_typing", self._feed.ref.mark_as_typing()))

    def _op_read(self, _msg: dict[str, Any]) -> None:
        feed = self._feed
        details = feed.details if feed else None
        if feed is None or details is None or self._reading:
            return
        last = details.last_message.created_at if details.last_message else 0
        # read_until behind the newest message also counts: your own messages do not move it, and
        # everyone_read_until (the read ticks on the other side) waits for every participant's
        if details.unread_message_count == 0 and not details.is_unread and details.read_until >= last:
            return
        self._reading = True
        self._spawn(self._mark_read(feed))

    async def _mark_read(self, feed: ConversationFeed) -> None:
        try:
            await feed.ref.mark_as_read()
        except TalkError as exc:
            log.info("mark_as_read failed: %s", exc)
        finally:
            self._reading = False

    def _op_load_more(self, msg: dict[str, Any]) -> None:
        count = msg.get("count", MessageSubscription.DEFAULT_LOAD_MORE)
        if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= _MAX_LOAD_MORE:
            self.load_more(count)

    def _op_react(self, msg: dict[str, Any]) -> None:
        mid, emoji, on = msg.get("id"), msg.get("emoji"), msg.get("on")
        if not isinstance(emoji, str) or not 0 < len(emoji) <= MAX_EMOJI:
            return
        if self._feed is None or not is_message_id(mid):
            return
        reactions = self._feed.ref.message(mid).reactions(emoji)
        self._spawn(self._reporting("react", mid, reactions.add() if on else reactions.remove()))

    def _op_edit(self, msg: dict[str, Any]) -> None:
        mid, text = msg.get("id"), msg.get("text")
        if self._feed is None or not is_message_id(mid) or not self._own(mid):
            return
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            self.send({"op": "failed", "what": "edit", "id": mid, "reason": "a message cannot be empty"})
            return
        self._spawn(self._reporting("edit", mid, self._feed.ref.message(mid).edit(text)))

    def _op_delete(self, msg: dict[str, Any]) -> None:
        mid = msg.get("id")
        if self._feed is not None and is_message_id(mid) and self._own(mid):
            self._spawn(self._reporting("delete", mid, self._feed.ref.message(mid).delete()))

    def _op_files(self, msg: dict[str, Any]) -> None:
        ids = msg.get("ids")
        if not isinstance(ids, list):
            return
        known = self._window.by_id
        urls = {mid: file_urls(known[mid]) for mid in ids[:200] if isinstance(mid, str) and mid in known}
        self.send({"op": "files", "urls": urls})

    def _op_reactors(self, msg: dict[str, Any]) -> None:
        mid, emoji = msg.get("id"), msg.get("emoji")
        if self._feed is not None and is_message_id(mid) and isinstance(emoji, str) and 0 < len(emoji) <= MAX_EMOJI:
            self._spawn(self._reactors(self._feed, mid, emoji))

    async def _reactors(self, feed: ConversationFeed, mid: str, emoji: str) -> None:
        try:
            first = await feed.ref.message(mid).reactions(emoji).get_first_reactions()
        except TalkError:
            first = None
        names = [r.user.name for r in first or ()]
        self.send({"op": "reactors", "id": mid, "emoji": emoji, "names": names})

    def _op_action(self, msg: dict[str, Any]) -> None:
        action, params, mid = msg.get("action"), msg.get("params"), msg.get("id")
        if not isinstance(action, str) or not is_message_id(mid):
            return
        clean = {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {}
        for callback in list(self._action_callbacks):
            self._run_callback("on_action", callback, action, clean, mid)

    def _op_attach(self, msg: dict[str, Any]) -> None:
        upload_id, reply_to = msg.get("upload_id"), msg.get("reply_to")
        if self._feed is None or not is_message_id(upload_id):
            return
        self._attach_context[upload_id] = (self._feed.id, reply_to if is_message_id(reply_to) else None)
        done = self._attach_done.pop(upload_id, None)
        if done is not None:
            self._post_attachment(upload_id, *done)

    def _op_find(self, msg: dict[str, Any]) -> None:
        mid = msg.get("id")
        if is_message_id(mid):
            self.scroll_to(mid)

    _HANDLERS: dict[str, Callable[[Chatbox, dict[str, Any]], None]] = {
        "send": _op_send,
        "draft": _op_draft,
        "typing": _op_typing,
        "read": _op_read,
        "load_more": _op_load_more,
        "react": _op_react,
        "edit": _op_edit,
        "delete": _op_delete,
        "files": _op_files,
        "reactors": _op_reactors,
        "action": _op_action,
        "attach": _op_attach,
        "find": _op_find,
    }

    # -- attachments --------------------------------------------------------------------------------

    def _on_attachment(self, token: FileToken, metadata: FileMetadata) -> None:
        upload = next((u for u in self.attachments.uploads if u.token == token), None)
        if upload is None:
            return
        if upload.id in self._attach_context:
            self._post_attachment(upload.id, token, metadata)
        else:  # the "attach" message is still on its way
            self._attach_done[upload.id] = (token, metadata)

    def _post_attachment(self, upload_id: str, token: FileToken, metadata: FileMetadata) -> None:
        conversation_id, reply_to = self._attach_context.pop(upload_id)
        upload = next((u for u in self.attachments.uploads if u.id == upload_id), None)
        if upload is not None:
            upload.sent = True  # FileDrop.send_to must not post it a second time
        self._spawn(self._send_file(conversation_id, token, metadata, reply_to))

    async def _send_file(self, conversation_id: str, token: FileToken, meta: FileMetadata, reply: str | None) -> None:
        ref = self.session.conversation(conversation_id)
        try:
            message = await ref.send(content=[SendFileBlock(file_token=token)], referenced_message=reply)
        except TalkError as exc:
            self.send({"op": "failed", "what": "attach", "id": "", "reason": f"{meta.filename}: {exc}"})
            return
        self._sent(SentMessage(conversation_id, message, None, reply, meta))

    # -- helpers ------------------------------------------------------------------------------------

    def _own(self, mid: str) -> bool:
        snap = self._window.by_id.get(mid)
        return snap is not None and snap.sender is not None and snap.sender.id == self.session.current_user.id

    async def _reporting(self, what: str, mid: str, work: Any) -> None:
        try:
            await work
        except TalkError as exc:
            self.send({"op": "failed", "what": what, "id": mid, "reason": str(exc)})

    async def _quietly(self, what: str, work: Any) -> None:
        try:
            await work
        except TalkError as exc:
            log.info("%s failed: %s", what, exc)

    async def _load_more(self, count: int) -> None:
        sub = self.subscription
        if sub is None or self.loaded_all:
            return
        self.loading_more = True
        try:
            await sub.load_more(count)
        except TalkError as exc:
            log.warning("load_more failed: %s", exc)
        finally:
            self.loading_more = False

    async def _scroll_to(self, message_id: str) -> bool:
        while message_id not in self._window.by_id:
            sub = self.subscription
            if sub is None or self.loaded_all or len(self._window.items) >= SCROLL_SEARCH_LIMIT:
                return False
            await self._load_more(_MAX_LOAD_MORE)
        self.send({"op": "scroll_to", "id": message_id})
        return True

    async def _load_current_user(self) -> None:
        try:
            user = await self.session.current_user.get()
        except TalkError:
            return
        if user is not None:
            self.current_user = user_json(user) or {}

    def _add_callback(self, callbacks: list[Any], callback: Any) -> Callable[[], None]:
        if not callable(callback):
            raise TypeError("callback must be callable")
        callbacks.append(callback)
        return lambda: callbacks.remove(callback) if callback in callbacks else None

    def _on_connection_status(self, status: str) -> None:
        self.connection = status

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = self.session.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
