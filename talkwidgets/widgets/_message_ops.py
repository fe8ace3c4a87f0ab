"""The patch ops of a ``Chatbox``'s ``messages`` list, computed from the subscription, not by a diff.

``MessageSubscription`` emits the whole window (newest first) on every change, but it keeps the
snapshot object of every message that did not change. So the change is found by identity, and
the common cases are found in C: a new message is ``new[1:] == old`` (a tuple comparison, which
checks identity before equality), older messages loaded by ``load_more`` are ``new[:len(old)] ==
old``. Only then, for edits, reactions and deletions, is the window walked once, by identity. No
message that did not change is converted or compared as JSON, and the ops name only the messages
that changed: the cost of a new message does not grow with the history loaded.

The list the browser sees is in reading order (oldest first). Ops follow the list protocol
(``_list_sync``): ``del`` for messages that left, then a ``put`` per new or changed message in
increasing final index. That order is exact because messages never change places relative to
each other (the window's order is ``created_at``, which an edit does not touch): when a put for
index ``j`` runs, the list already holds the final messages ``0..j-1`` in front.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model.snapshots import MessageSnapshot

Op = dict[str, Any]
ToJson = Callable[[MessageSnapshot], dict[str, Any]]


@dataclass
class MessageWindow:
    """The window last published: snapshots (newest first), their JSON (reading order) by id."""

    to_json: ToJson
    snapshots: tuple[MessageSnapshot, ...] = ()
    items: list[dict[str, Any]] = field(default_factory=list)
    """The ``messages`` trait's value: JSON dicts, oldest first."""
    by_id: dict[str, MessageSnapshot] = field(default_factory=dict)

    def reset(self, snapshots: tuple[MessageSnapshot, ...]) -> list[dict[str, Any]]:
        """Start over with ``snapshots`` (a new conversation, a resync); answers the new list."""
        self.snapshots = snapshots
        self.by_id = {s.id: s for s in snapshots}
        self.items = [self.to_json(s) for s in reversed(snapshots)]
        return self.items

    def update(self, new: tuple[MessageSnapshot, ...]) -> tuple[list[dict[str, Any]], list[Op]]:
        """The new list and the ops that turn the previous one into it (``[]``: nothing changed)."""
        old = self.snapshots
        n_old, n_new = len(old), len(new)
        if new is old or new == old:
            self.snapshots = new
            return self.items, []
        grew = n_new - n_old
        if grew > 0 and new[grew:] == old:  # newer messages arrived (the usual case)
            added = new[:grew]
            fresh = [self.to_json(s) for s in reversed(added)]
            ops = [{"t": "put", "at": n_old + i, "c": item} for i, item in enumerate(fresh)]
            items = self.items + fresh
        elif grew > 0 and new[:n_old] == old:  # older messages loaded
            added = new[n_old:]
            fresh = [self.to_json(s) for s in reversed(added)]
            ops = [{"t": "put", "at": i, "c": item} for i, item in enumerate(fresh)]
            items = fresh + self.items
        else:
            items, ops = self._walk(new)
            self.by_id = {s.id: s for s in new}
            added = ()
        for snap in added:
            self.by_id[snap.id] = snap
        self.snapshots = new
        self.items = items
        return items, ops

    def _walk(self, new: tuple[MessageSnapshot, ...]) -> tuple[list[dict[str, Any]], list[Op]]:
        """Edits, reactions, deletions, several changes at once: one pass by identity."""
        by_id = self.by_id
        ids = {s.id for s in new}
        ops: list[Op] = [{"t": "del", "id": mid} for mid in by_id if mid not in ids]
        old_json = {item["id"]: item for item in self.items}
        items: list[dict[str, Any]] = []
        for index, snap in enumerate(reversed(new)):
            kept = by_id.get(snap.id)
            if kept is snap or (kept is not None and kept == snap):
                items.append(old_json[snap.id])
                continue
            item = self.to_json(snap)
            items.append(item)
            ops.append({"t": "put", "at": index, "c": item})
        return items, ops
