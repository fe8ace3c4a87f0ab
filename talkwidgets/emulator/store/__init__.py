"""The emulator's data: apps, users, conversations, messages, files and the live-feed event log.

:class:`Store` is the one interface the routes, the seed loader and the live feed use. It decides
locking and transactions; the work is done by modules with one job each:

- ``storage``: the SQLite connection, transactions, the event log and sequence numbers
  (``schema``: the tables; ``events``: what a commit publishes);
- ``queries/``: SQL per entity, reads and plain row writes;
- ``rules``: domain rules written once (unread, PATCH merge, derived fields, ordering, times);
- ``render``: the TalkJS REST JSON shapes, and ``views``: a thing with its related rows;
- ``changes/``: writes with the events and webhooks they cause (``webhook_payloads``: their data).

Arguments reaching this package are already validated by the routes; refusals are domain errors
(:mod:`..errors`), never HTTP answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..clock import now_ms
from . import render, user_views, views
from .changes import apps as app_changes
from .changes import conversations as conversation_changes
from .changes import imports as import_changes
from .changes import messages as message_changes
from .changes import participants as participant_changes
from .changes import reactions as reaction_changes
from .changes import users as user_changes
from .events import JSON, Changes, FeedEvent, Webhook
from .filters import Condition
from .migrations import migrate
from .queries import apps, conversations, files, messages, participants, reactions, search, users
from .rules import CONVERSATION_FIELDS, USER_FIELDS
from .storage import Storage

__all__ = ["CONVERSATION_FIELDS", "JSON", "USER_FIELDS", "Changes", "Condition", "FeedEvent", "Store", "Webhook"]


class Store:
    """All emulator state behind one SQLite connection guarded by a lock.

    Safe to call from the server's event loop and from the thread that owns an embedded server
    (``ensure_app``, ``reset``). Reads take the lock; writes run in one transaction each.
    """

    def __init__(self, db_path: str = ":memory:", *, event_retention: int = 10_000) -> None:
        self._db = Storage(db_path, event_retention=event_retention)
        with self._db.transaction():
            migrate(self._db)

    @property
    def on_commit(self) -> Callable[[Changes], None] | None:
        """Called after each commit that emitted events or webhooks (publishes them)."""
        return self._db.on_commit

    @on_commit.setter
    def on_commit(self, callback: Callable[[Changes], None] | None) -> None:
        self._db.on_commit = callback

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Changes]:
        """Group several writes into one atomic change (the batch user route, seeds)."""
        with self._db.transaction() as changes:
            yield changes

    # -- apps and the event log ------------------------------------------------------------------

    def ensure_app(self, app_id: str, secret_key: str | None = None, webhook_url: str | None = None) -> str:
        """Create the app if needed and return its secret key (an explicit key replaces the old one)."""
        with self._db.transaction():
            return app_changes.ensure(self._db, app_id, secret_key, webhook_url)

    def app(self, app_id: str) -> sqlite3.Row | None:
        with self._db.lock:
            return apps.row(self._db, app_id)

    def reset(self, app_id: str) -> None:
        """Forget every user, conversation, message, file and event of one app (keeps its key)."""
        with self._db.transaction():
            app_changes.reset(self._db, app_id)

    def latest_seq(self, app_id: str) -> int:
        return self._db.latest_seq(app_id)

    def events_after(self, app_id: str, since: int) -> tuple[list[FeedEvent], bool]:
        """Events with ``seq > since`` and whether they are complete (nothing was pruned)."""
        return self._db.events_after(app_id, since)

    # -- users -----------------------------------------------------------------------------------

    def get_user(self, app_id: str, user_id: str) -> JSON | None:
        with self._db.lock:
            return views.user(self._db, app_id, user_id)

    def user_exists(self, app_id: str, user_id: str) -> bool:
        with self._db.lock:
            return users.exists(self._db, app_id, user_id)

    def list_users(
        self, app_id: str, limit: int, starting_after: str | None, only: tuple[list[str], bool] | None = None
    ) -> list[JSON]:
        """Users by id; ``only=(ids, True)`` keeps those ids, ``(ids, False)`` the others."""
        with self._db.lock:
            return [render.user(r) for r in users.page(self._db, app_id, limit, starting_after, only)]

    def put_user(self, app_id: str, user_id: str, patch: JSON, *, fire_webhooks: bool = True) -> None:
        """Create or update with PATCH semantics; ``None`` values reset a field."""
        with self._db.transaction():
            user_changes.put(self._db, app_id, user_id, patch, fire_webhooks=fire_webhooks)

    # -- conversations and participants ----------------------------------------------------------

    def get_conversation(self, app_id: str, conversation_id: str) -> JSON | None:
        with self._db.lock:
            return views.conversation_by_id(self._db, app_id, conversation_id)

    def get_user_conversation(self, app_id: str, user_id: str, conversation_id: str) -> JSON | None:
        """The conversation as the user sees it; None when it does not exist or the user is not in it."""
        with self._db.lock:
            found = conversations.of_user(self._db, app_id, user_id, conversation_id)
            return views.user_conversation(self._db, found, user_id) if found else None

    def conversation_exists(self, app_id: str, conversation_id: str) -> bool:
        with self._db.lock:
            return conversations.exists(self._db, app_id, conversation_id)

    def is_participant(self, app_id: str, conversation_id: str, user_id: str) -> bool:
        with self._db.lock:
            return participants.row(self._db, app_id, conversation_id, user_id) is not None

    def list_participants(self, app_id: str, cid: str, limit: int, starting_after: str | None) -> list[JSON]:
        """Most recently joined first (ties: user id descending); the cursor is a user id."""
        with self._db.lock:
            return [
                render.listed_participant(r) for r in participants.page(self._db, app_id, cid, limit, starting_after)
            ]

    def get_participant(self, app_id: str, cid: str, uid: str) -> JSON | None:
        with self._db.lock:
            found = participants.row(self._db, app_id, cid, uid)
            return render.listed_participant(found) if found else None

    def participant_ids(self, app_id: str, cid: str) -> list[str]:
        """The conversation's participants, in joining order (empty when it does not exist)."""
        with self._db.lock:
            return list(participants.of_conversation(self._db, app_id, cid))

    def participant_access(self, app_id: str, conversation_id: str, user_id: str) -> str | None:
        with self._db.lock:
            found = participants.row(self._db, app_id, conversation_id, user_id)
            return str(found["access"]) if found else None

    def list_conversations(
        self,
        app_id: str,
        limit: int,
        starting_after: str | None,
        before: int | None,
        after: int | None,
        condition: Condition | None = None,
    ) -> list[JSON]:
        """All conversations, most recent activity (last message, else creation) first; ``condition``
        is a compiled filter (:func:`.filters.parse_filter`)."""
        with self._db.lock:
            rows = conversations.page(self._db, app_id, limit, starting_after, before, after, condition)
            return [views.conversation(self._db, r) for r in rows]

    def list_user_conversations(
        self,
        app_id: str,
        user_id: str,
        limit: int,
        starting_after: str | None,
        unreads_only: bool,
        before: int | None,
        after: int | None,
        condition: Condition | None = None,
    ) -> list[JSON]:
        """A user's conversations, newest activity ``max(lastMessage.createdAt, joinedAt)`` first."""
        with self._db.lock:
            rows = conversations.user_page(
                self._db, app_id, user_id, limit, starting_after, unreads_only, before, after, condition
            )
            return [views.user_conversation(self._db, r, user_id) for r in rows]

    def put_conversation(
        self, app_id: str, conversation_id: str, patch: JSON, participants: list[str], max_participants: int
    ) -> None:
        """Create or update (PATCH semantics); ``participants`` are merged in, never removed."""
        with self._db.transaction():
            conversation_changes.put(self._db, app_id, conversation_id, patch, participants, max_participants)

    def delete_conversation(self, app_id: str, conversation_id: str) -> None:
        with self._db.transaction():
            conversation_changes.delete(self._db, app_id, conversation_id)

    def join(self, app_id: str, cid: str, uid: str, access: str, notify: Any, max_participants: int) -> None:
        """PUT participant: join with the given settings, overwriting earlier ones (idempotent)."""
        with self._db.transaction():
            participant_changes.join(self._db, app_id, cid, uid, access, notify, max_participants)

    def modify_participant(self, app_id: str, cid: str, uid: str, patch: JSON) -> None:
        with self._db.transaction():
            participant_changes.modify(self._db, app_id, cid, uid, patch)

    def leave(self, app_id: str, cid: str, uid: str) -> None:
        """DELETE participant; idempotent like every TalkJS participation call."""
        with self._db.transaction():
            participant_changes.leave(self._db, app_id, cid, uid)

    def mark_read(self, app_id: str, cid: str, uid: str) -> None:
        """The user has read everything in the conversation up to now."""
        with self._db.transaction():
            participant_changes.mark_read(self._db, app_id, cid, uid)

    def mark_unread(self, app_id: str, cid: str, uid: str) -> None:
        """The user marked the conversation unread (cleared by :meth:`mark_read`)."""
        with self._db.transaction():
            participant_changes.mark_unread(self._db, app_id, cid, uid)

    # -- messages --------------------------------------------------------------------------------

    def get_message(self, app_id: str, cid: str, mid: str) -> JSON | None:
        with self._db.lock:
            found = messages.row_in(self._db, app_id, cid, mid)
            if found is None:
                return None
            return render.message_row(found, participants.read_untils(self._db, app_id, cid))

    def list_messages(self, app_id: str, cid: str, limit: int, starting_after: str | None) -> list[JSON]:
        """Newest first; ``startingAfter`` walks back in time."""
        with self._db.lock:
            rows = messages.page(self._db, app_id, cid, limit, starting_after)
            read_until = participants.read_untils(self._db, app_id, cid)
            return [render.message_row(r, read_until) for r in rows]

    def list_user_messages(
        self, app_id: str, viewer: str, cid: str, limit: int, starting_after: str | None
    ) -> list[JSON]:
        """Like :meth:`list_messages`, as ``viewer`` sees them (:mod:`.user_views`)."""
        with self._db.lock:
            return user_views.messages_of(
                self._db, app_id, messages.page(self._db, app_id, cid, limit, starting_after), viewer
            )

    def get_user_message(self, app_id: str, viewer: str, cid: str, mid: str) -> JSON | None:
        with self._db.lock:
            found = messages.row_in(self._db, app_id, cid, mid)
            return user_views.messages_of(self._db, app_id, [found], viewer)[0] if found else None

    def send_messages(
        self,
        app_id: str,
        cid: str,
        items: list[JSON],
        origin: str,
        *,
        fire_webhooks: bool = True,
        created_at: list[int | None] | None = None,
    ) -> list[str]:
        """Store validated messages in order; all or nothing. Returns their ids."""
        with self._db.transaction():
            return message_changes.send(
                self._db, app_id, cid, items, origin, fire_webhooks=fire_webhooks, created_at=created_at
            )

    def import_messages(
        self, app_id: str, cid: str, items: list[JSON], timestamps: list[int], read_by: list[list[str]]
    ) -> list[str]:
        """History with its own times and read marks: no webhooks, no live events; all or nothing."""
        with self._db.transaction():
            return import_changes.import_messages(self._db, app_id, cid, items, timestamps, read_by)

    def edit_message(self, app_id: str, cid: str, mid: str, patch: JSON) -> None:
        with self._db.transaction():
            message_changes.edit(self._db, app_id, cid, mid, patch)

    def delete_message(self, app_id: str, cid: str, mid: str) -> None:
        with self._db.transaction():
            message_changes.delete(self._db, app_id, cid, mid)

    # -- reactions -------------------------------------------------------------------------------

    def add_reaction(self, app_id: str, cid: str, mid: str, emoji: str, uid: str) -> None:
        """Idempotent; ``emoji`` is already normalised (:mod:`..reaction_emoji`)."""
        with self._db.transaction():
            reaction_changes.add(self._db, app_id, cid, mid, emoji, uid)

    def remove_reaction(self, app_id: str, cid: str, mid: str, emoji: str, uid: str) -> None:
        with self._db.transaction():
            reaction_changes.remove(self._db, app_id, cid, mid, emoji, uid)

    def list_reactions(self, app_id: str, mid: str, emoji: str, limit: int, starting_after: str | None) -> list[JSON]:
        """Who reacted with ``emoji``, oldest first; the cursor is a user id."""
        with self._db.lock:
            rows = reactions.page(self._db, app_id, mid, emoji, limit, starting_after)
            return [{"userId": r["user_id"], "createdAt": r["created_at"]} for r in rows]

    # -- search ----------------------------------------------------------------------------------

    def search_messages(
        self, app_id: str, user_id: str, match: str, limit: int, starting_after: str | None, condition: Condition | None
    ) -> list[JSON]:
        """``[{"conversation", "message"}]`` of the user's matching messages, newest first; ``match``
        is :func:`.search_words.match_expression` of the query, ``condition`` a compiled filter."""
        with self._db.lock:
            rows = search.messages(self._db, app_id, user_id, match, limit, starting_after, condition)
            viewed = user_views.messages_of(self._db, app_id, rows, user_id)
            seen: dict[str, JSON] = {}
            out = []
            for row, message in zip(rows, viewed, strict=True):
                cid = row["conversation_id"]
                if cid not in seen:
                    found = conversations.of_user(self._db, app_id, user_id, cid)
                    assert found is not None
                    seen[cid] = views.user_conversation(self._db, found, user_id)
                out.append({"conversation": seen[cid], "message": message})
            return out

    def search_conversations(
        self, app_id: str, user_id: str, match: str, limit: int, starting_after: str | None, condition: Condition | None
    ) -> list[JSON]:
        """The user's conversations whose subject, or whose ``custom.search``, has every query word;
        in the order of the user's conversation list."""
        found = search.conversations_matching(match, app_id)
        if condition is not None:
            found = Condition(f"({found.sql}) AND ({condition.sql})", (*found.params, *condition.params))
        with self._db.lock:
            rows = conversations.user_page(self._db, app_id, user_id, limit, starting_after, False, None, None, found)
            return [views.user_conversation(self._db, r, user_id) for r in rows]

    # -- files -----------------------------------------------------------------------------------

    def add_file(
        self, app_id: str, token: str, file_id: str, block: JSON, path: str, content_type: str, uploader: str | None
    ) -> None:
        with self._db.transaction():
            data = {"block": block, "path": path, "contentType": content_type, "uploader": uploader}
            files.insert(self._db, app_id, token, file_id, data, now_ms())

    def file_by_id(self, app_id: str, file_id: str) -> JSON | None:
        with self._db.lock:
            return files.by_id(self._db, app_id, file_id)

    def file_paths(self, app_id: str | None = None) -> list[str]:
        with self._db.lock:
            return files.paths(self._db, app_id)
