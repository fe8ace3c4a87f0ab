"""References to users, conversations, participants and messages (cached per id by ``RefCache``).

A ref is a cheap handle: creating one does no I/O. Its methods are coroutines that talk REST
through the session's core. Parameters left out mean "unchanged"; ``None`` means "reset" (the JS
``undefined``/``null`` split).
"""

from __future__ import annotations

from typing import Any, Literal

from ..model.content import TextBlock
from ..model.errors import InvalidArgumentError, PermissionDeniedError
from ..model.snapshots import ConversationSnapshot, MessageSnapshot, ParticipantSnapshot, UserSnapshot
from ..model.wire import content_to_wire, participant_from_wire
from ..transport.rest import path
from ._core import SessionCore

_UNSET: Any = object()

USER_PARAMS = {
    "name": "name",
    "custom": "custom",
    "locale": "locale",
    "photo_url": "photoUrl",
    "role": "role",
    "welcome_message": "welcomeMessage",
    "email": "email",
    "phone": "phone",
}
CONVERSATION_PARAMS = {
    "subject": "subject",
    "photo_url": "photoUrl",
    "welcome_messages": "welcomeMessages",
    "custom": "custom",
}


def _ready(value: Any) -> Any:
    yield from ()
    return value


def check_id(kind: str, value: object) -> str:
    """Ids must be non-empty strings: raise at once, as the JS SDK throws synchronously."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"{kind} id must be a non-empty string, got {value!r}")
    return value


def _wire_params(params: dict[str, Any], mapping: dict[str, str], what: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in params.items():
        if key not in mapping:
            raise InvalidArgumentError(f"{what}: unknown parameter {key!r}; known: {', '.join(mapping)}")
        if (
            key == "custom"
            and value is not None
            and (
                not isinstance(value, dict)
                or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items())
            )
        ):
            raise InvalidArgumentError("custom must map strings to strings (None deletes a key)")
        if key in ("email", "phone", "welcome_messages") and value is not None:
            if isinstance(value, str):
                value = [value]
            value = list(value)
        body[mapping[key]] = value
    return body


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
        body = _wire_params(params, USER_PARAMS, "UserRef.set")
        await self._core.call("PUT", path("users", self.id), json=body)
        self._core.forget_user(self.id)

    async def create_if_not_exists(self, **params: Any) -> None:
        """Create the user with ``params`` unless it exists already (then nothing changes)."""
        body = _wire_params(params, USER_PARAMS, "UserRef.create_if_not_exists")
        if await self._core.user_snapshot(self.id, refresh=True) is not None:
            return
        if not body.get("name"):
            raise InvalidArgumentError(f"creating user {self.id!r} needs a name")
        await self._core.call("PUT", path("users", self.id), json=body)


class MessageRef:
    """A message in a conversation."""

    __slots__ = ("_core", "id", "conversation_id")

    def __init__(self, core: SessionCore, conversation_id: str, id: str) -> None:
        self._core = core
        self.conversation_id = conversation_id
        self.id = id

    def __repr__(self) -> str:
        return f"MessageRef({self.conversation_id!r}, {self.id!r})"

    async def get(self) -> MessageSnapshot | None:
        """The message, or None if it doesn't exist or you can't see it (not a participant)."""
        try:
            wire = await self._core.call_or_none(
                "GET", path("conversations", self.conversation_id, "messages", self.id)
            )
        except PermissionDeniedError:
            return None
        return None if wire is None else await self._core.message_snapshot(wire)

    async def edit(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise InvalidArgumentError("text must be a non-empty string")
        await self._core.call(
            "PATCH", path("conversations", self.conversation_id, "messages", self.id), json={"text": text}
        )

    async def delete(self) -> None:
        """Delete the message; a message that is already gone is not an error."""
        await self._core.call_or_none("DELETE", path("conversations", self.conversation_id, "messages", self.id))


class ParticipantRef:
    """A user's participation in a conversation."""

    __slots__ = ("_core", "user", "conversation")

    def __init__(self, core: SessionCore, conversation: ConversationRef, user: UserRef) -> None:
        self._core = core
        self.conversation = conversation
        self.user = user

    def __repr__(self) -> str:
        return f"ParticipantRef({self.conversation.id!r}, {self.user.id!r})"

    def _path(self) -> str:
        return path("conversations", self.conversation.id, "participants", self.user.id)

    @staticmethod
    def _body(access: Any, notify: Any) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if access is not _UNSET:
            if access not in ("ReadWrite", "Read"):
                raise InvalidArgumentError("access must be 'ReadWrite' or 'Read'")
            body["access"] = access
        if notify is not _UNSET:
            if not (isinstance(notify, bool) or notify == "MentionsOnly"):
                raise InvalidArgumentError("notify must be True, False or 'MentionsOnly'")
            body["notify"] = notify
        return body

    async def get(self) -> ParticipantSnapshot | None:
        conv = await self._core.call_or_none("GET", path("conversations", self.conversation.id))
        entry = (conv or {}).get("participants", {}).get(self.user.id)
        if entry is None:
            return None
        user = await self._core.user_snapshot(self.user.id)
        if user is None:
            return None
        return participant_from_wire(user, entry)

    async def set(
        self, *, access: Literal["ReadWrite", "Read"] = _UNSET, notify: bool | Literal["MentionsOnly"] = _UNSET
    ) -> None:
        """Change the given settings, adding the user to the conversation if needed."""
        body = self._body(access, notify)
        if await self.get() is None:
            await self._core.call("PUT", self._path(), json=body)
        elif body:
            await self._core.call("PATCH", self._path(), json=body)

    async def create_if_not_exists(
        self, *, access: Literal["ReadWrite", "Read"] = _UNSET, notify: bool | Literal["MentionsOnly"] = _UNSET
    ) -> None:
        """Add the user with these settings unless already a participant."""
        body = self._body(access, notify)
        if await self.get() is None:
            await self._core.call("PUT", self._path(), json=body)

    async def delete(self) -> None:
        """Remove the user from the conversation (not an error if they were not in it)."""
        await self._core.call_or_none("DELETE", self._path())


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

    async def set(self, **params: Any) -> None:
        """Update attributes (subject, photo_url, welcome_messages, custom) and join if needed."""
        body = _wire_params(params, CONVERSATION_PARAMS, "ConversationRef.set")
        body["participants"] = [self._core.user_id]
        await self._core.call("PUT", path("conversations", self.id), json=body)

    async def create_if_not_exists(self, **params: Any) -> None:
        """Create with ``params`` and the current user as participant, unless you're already in it."""
        body = _wire_params(params, CONVERSATION_PARAMS, "ConversationRef.create_if_not_exists")
        if await self.get() is not None:
            return
        body["participants"] = [self._core.user_id]
        await self._core.call("PUT", path("conversations", self.id), json=body)

    async def send(
        self,
        text: str | None = None,
        *,
        content: list[Any] | None = None,
        custom: dict[str, str] | None = None,
        referenced_message: str | MessageRef | None = None,
    ) -> MessageRef:
        """Send as the current user: plain ``text`` or a list of content blocks (text, file, location)."""
        if (text is None) == (content is None):
            raise InvalidArgumentError("send needs exactly one of text or content")
        if text is not None:
            if not isinstance(text, str) or not text:
                raise InvalidArgumentError("text must be a non-empty string")
            blocks = content_to_wire([TextBlock(children=(text,))])
        else:
            if not isinstance(content, (list, tuple)) or not content:
                raise InvalidArgumentError("content must be a non-empty list of content blocks")
            blocks = content_to_wire(content)
        message: dict[str, Any] = {"content": blocks, "type": "UserMessage", "sender": self._core.user_id}
        if custom is not None:
            _wire_params({"custom": custom}, {"custom": "custom"}, "send")
            message["custom"] = custom
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
