"""References to users, conversations and participants (cached per id by ``RefCache``).

A ref is a cheap handle: creating one does no I/O. Its methods are coroutines that talk REST
through the session's core, and its ``subscribe*`` methods return subscriptions at once. Parameters
left out mean "unchanged"; ``None`` means "reset" (the JS ``undefined``/``null`` split).
"""

from __future__ import annotations

from typing import Any, Literal

from ..model.errors import InvalidArgumentError
from ..model.snapshots import ConversationSnapshot, ParticipantSnapshot, UserSnapshot
from ..model.wire import participant_from_wire
from ..transport.rest import path
from ._conversation import ConversationSubscription, OnConversation
from ._core import SessionCore
from ._message_ref import MessageRef
from ._messages import MessageSubscription, OnMessages
from ._params import (
    CONVERSATION_PARAMS,
    UNSET,
    USER_PARAMS,
    check_callback,
    check_custom,
    check_id,
    one_block,
    participant_settings,
    text_content,
    wire_params,
)
from ._participants import (
    OnParticipant,
    OnParticipants,
    ParticipantSubscription,
    SingleParticipantSubscription,
)
from ._typing import OnTyping, TypingSubscription
from ._users import OnUser, OnUserOnline, UserOnlineSubscription, UserSubscription

AccessParam = Literal["ReadWrite", "Read"] | None
NotifyParam = bool | Literal["MentionsOnly"] | None


def _ready(value: Any) -> Any:
    yield from ()
    return value


class UserRef:
    """A user by id. ``get`` answers None when the user does not exist."""

    __slots__ = ("_core", "id", "__weakref__")

    def __init__(self, core: SessionCore, id: str) -> None:
        self._core = core
        self.id = id

    def __repr__(self) -> str:
        return f"UserRef({self.id!r})"

    def __await__(self) -> Any:
        """``await session.user(id)`` gives the ref itself (for code written against async factories)."""
        return _ready(self)

    async def get(self) -> UserSnapshot | None:
        return await self._core.user_snapshot(self.id, refresh=True)

    async def set(self, **params: Any) -> None:
        """Create or update; a new user needs ``name``. Keys: name, custom, locale, photo_url, role,
        welcome_message, email, phone."""
        body = wire_params(params, USER_PARAMS, "UserRef.set")
        await self._core.call("PUT", path("users", self.id), json=body)
        self._core.forget_user(self.id)

    async def create_if_not_exists(self, **params: Any) -> None:
        """Create the user with ``params`` unless it exists already (then nothing changes)."""
        body = wire_params(params, USER_PARAMS, "UserRef.create_if_not_exists")
        if not body.get("name"):
            raise InvalidArgumentError(f"creating user {self.id!r} needs a name")
        if await self._core.user_snapshot(self.id, refresh=True) is not None:
            return
        await self._core.call("PUT", path("users", self.id), json=body)

    def subscribe(self, on_snapshot: OnUser | None = None) -> UserSubscription:
        """The user, live; ``None`` while they do not exist."""
        check_callback(on_snapshot)
        return UserSubscription(self._core, self.id, on_snapshot)

    def subscribe_online(self, on_snapshot: OnUserOnline | None = None) -> UserOnlineSubscription:
        """The user and whether they hold a live connection now; ``None`` while they do not exist."""
        check_callback(on_snapshot)
        return UserOnlineSubscription(self._core, self.id, on_snapshot)


class ParticipantRef:
    """A user's participation in a conversation."""

    __slots__ = ("_core", "user", "conversation")

    def __init__(self, core: SessionCore, conversation: ConversationRef, user: UserRef) -> None:
        self._core = core
        self.conversation = conversation
        self.user = user

    def __repr__(self) -> str:
        return f"ParticipantRef({self.conversation.id!r}, {self.user.id!r})"

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def conversation_id(self) -> str:
        return self.conversation.id

    def _path(self) -> str:
        return path("conversations", self.conversation.id, "participants", self.user.id)

    async def get(self) -> ParticipantSnapshot | None:
        conv = await self._core.call_or_none("GET", path("conversations", self.conversation.id))
        entry = (conv or {}).get("participants", {}).get(self.user.id)
        if entry is None:
            return None
        user = await self._core.user_snapshot(self.user.id)
        if user is None:
            return None
        return participant_from_wire(user, entry)

    async def set(self, *, access: AccessParam = UNSET, notify: NotifyParam = UNSET) -> None:
        """Change the given settings, adding the user to the conversation if needed. ``None``
        resets a setting to its default (``"ReadWrite"``, ``True``)."""
        body = participant_settings(access, notify)
        if await self.get() is None:
            await self._core.call("PUT", self._path(), json=body)
        elif body:
            await self._core.call("PATCH", self._path(), json=body)

    async def edit(self, *, access: AccessParam = UNSET, notify: NotifyParam = UNSET) -> None:
        """Change the given settings of an existing participant; raises ``NotFoundError`` when the
        user is not in the conversation. ``None`` resets a setting to its default."""
        body = participant_settings(access, notify)
        await self._core.call("PATCH", self._path(), json=body)

    async def create_if_not_exists(self, *, access: AccessParam = UNSET, notify: NotifyParam = UNSET) -> None:
        """Add the user with these settings unless already a participant."""
        body = participant_settings(access, notify)
        if await self.get() is None:
            await self._core.call("PUT", self._path(), json=body)

    async def delete(self) -> None:
        """Remove the user from the conversation (not an error if they were not in it)."""
        await self._core.call_or_none("DELETE", self._path())

    def subscribe(self, on_snapshot: OnParticipant | None = None) -> SingleParticipantSubscription:
        """This participant, live; ``None`` while the user (or you) is not in the conversation."""
        check_callback(on_snapshot)
        return SingleParticipantSubscription(self._core, self.conversation.id, self.user.id, on_snapshot)


class ConversationRef:
    """A conversation by id, seen by the session's current user."""

    __slots__ = ("_core", "_refs", "id", "_participants", "_messages", "__weakref__")

    def __init__(self, core: SessionCore, refs: RefCache, id: str) -> None:
        self._core = core
        self._refs = refs
        self.id = id
        self._participants: dict[str, ParticipantRef] = {}
        self._messages: dict[str, MessageRef] = {}

    def __repr__(self) -> str:
        return f"ConversationRef({self.id!r})"

    def __await__(self) -> Any:
        """``await session.conversation(id)`` gives the ref itself."""
        return _ready(self)

    def participant(self, user: str | UserRef) -> ParticipantRef:
        user_id = user.id if isinstance(user, UserRef) else check_id("user", user)
        ref = self._participants.get(user_id)
        if ref is None:
            ref = self._participants[user_id] = ParticipantRef(self._core, self, self._refs.user(user_id))
        return ref

    def message(self, id: str) -> MessageRef:
        """A ref to a message of this conversation (cached per id; no I/O)."""
        ref = self._messages.get(check_id("message", id))
        if ref is None:
            ref = self._messages[id] = MessageRef(self._core, self.id, id)
        return ref

    async def get(self) -> ConversationSnapshot | None:
        """The conversation as you see it, or None if it doesn't exist or you're not in it."""
        return await self._core.conversation_snapshot(self.id)

    def _split(self, params: dict[str, Any], what: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The conversation's body, and the current user's participant settings."""
        mine = participant_settings(params.pop("access", UNSET), params.pop("notify", UNSET))
        return wire_params(params, CONVERSATION_PARAMS, what), mine

    async def set(self, **params: Any) -> None:
        """Update attributes (subject, photo_url, welcome_messages, custom) and your own ``access``
        and ``notify``; creates the conversation and adds you if needed. ``None`` resets."""
        body, mine = self._split(params, "ConversationRef.set")
        me = self._core.user_id
        if body or not mine or await self.get() is None:
            body["participants"] = [me]
            await self._core.call("PUT", path("conversations", self.id), json=body)
        if mine:
            await self._core.call("PATCH", path("conversations", self.id, "participants", me), json=mine)

    async def create_if_not_exists(self, **params: Any) -> None:
        """Create with ``params`` and you as a participant (with your ``access``/``notify``),
        unless you're already in it."""
        body, mine = self._split(params, "ConversationRef.create_if_not_exists")
        if await self.get() is not None:
            return
        me = self._core.user_id
        body["participants"] = [me]
        await self._core.call("PUT", path("conversations", self.id), json=body)
        if mine:
            await self._core.call("PUT", path("conversations", self.id, "participants", me), json=mine)

    async def send(
        self,
        text: str | None = None,
        *,
        content: Any = None,
        custom: dict[str, str] | None = None,
        referenced_message: str | MessageRef | None = None,
    ) -> MessageRef:
        """Send as the current user: ``text`` (parsed as TalkJS markup, what users may send) or
        ``content``, a list of exactly one block (text, file or location)."""
        if (text is None) == (content is None):
            raise InvalidArgumentError("send needs exactly one of text or content")
        blocks = text_content(text) if text is not None else one_block(content)
        message: dict[str, Any] = {"content": blocks, "type": "UserMessage", "sender": self._core.user_id}
        if custom is not None:
            message["custom"] = check_custom(custom, "send: custom", patch=False)
        if referenced_message is not None:
            message["referencedMessageId"] = (
                referenced_message.id
                if isinstance(referenced_message, MessageRef)
                else check_id("message", referenced_message)
            )
        answer = await self._core.call("POST", path("conversations", self.id, "messages"), json=[message])
        first = answer[0] if isinstance(answer, list) and answer and isinstance(answer[0], dict) else {}
        return self.message(str(first.get("id") or "?"))

    async def mark_as_read(self) -> None:
        """Mark everything in the conversation read for the current user."""
        await self._core.call("POST", path("conversations", self.id, "readBy", self._core.user_id))

    async def mark_as_unread(self) -> None:
        """Mark the conversation unread for the current user (``is_unread`` is then true even
        with no unread message) until it is read again."""
        self._core.require_extension("mark_as_unread")
        await self._core.call("POST", path("conversations", self.id, "unreadBy", self._core.user_id))

    async def mark_as_typing(self) -> None:
        """Show the current user as typing here for 10 s (a message sent ends it sooner). Call it at
        most every few seconds while the user types."""
        self._core.require_extension("typing indicators")
        await self._core.call("POST", path("conversations", self.id, "typing", self._core.user_id))

    def subscribe(self, on_snapshot: OnConversation | None = None) -> ConversationSubscription:
        """The conversation, live; ``None`` while it does not exist or you are not in it."""
        check_callback(on_snapshot)
        return ConversationSubscription(self._core, self.id, on_snapshot)

    def subscribe_messages(self, on_snapshot: OnMessages | None = None) -> MessageSubscription:
        """The messages, newest first: 30 at first, ``load_more`` for older ones, every new one."""
        check_callback(on_snapshot)
        return MessageSubscription(self._core, self.id, on_snapshot)

    def subscribe_participants(self, on_snapshot: OnParticipants | None = None) -> ParticipantSubscription:
        """The participants, most recently joined first: 10 at first, ``load_more`` for more."""
        check_callback(on_snapshot)
        return ParticipantSubscription(self._core, self.id, on_snapshot)

    def subscribe_typing(self, on_snapshot: OnTyping | None = None) -> TypingSubscription:
        """Who else is typing here (``FewTypingSnapshot``/``ManyTypingSnapshot``), live."""
        check_callback(on_snapshot)
        return TypingSubscription(self._core, self.id, on_snapshot)


class RefCache:
    """The session's refs, one per id, so that ``session.user("a") is session.user("a")``."""

    def __init__(self, core: SessionCore) -> None:
        self._core = core
        self._users: dict[str, UserRef] = {}
        self._conversations: dict[str, ConversationRef] = {}

    def user(self, id: str) -> UserRef:
        check_id("user", id)
        ref = self._users.get(id)
        if ref is None:
            ref = self._users[id] = UserRef(self._core, id)
        return ref

    def conversation(self, id: str) -> ConversationRef:
        check_id("conversation", id)
        ref = self._conversations.get(id)
        if ref is None:
            ref = self._conversations[id] = ConversationRef(self._core, self, id)
        return ref
