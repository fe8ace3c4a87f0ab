"""Incremental sync of the conversation list between the kernel and the browser.

The ``ConversationList`` widget keeps the whole list in its ``conversations``
trait (so a saved notebook still renders), but it does not re-send the whole
list when one conversation changes.  Instead it sends a *patch*, a custom
message that the front end applies to its copy of the list::

    {"op": "patch", "seq": N, "ops": [op, ...]}

    op = {"t": "put", "at": index, "c": conversation}   # remove the entry with
                                                        # c["id"] (if any), then
                                                        # insert c at ``index``
       | {"t": "del", "id": conversation_id}            # remove it (no-op if absent)

Ops apply in order.  ``at`` is an index into the list *after* the removal
step of the same op and must satisfy ``0 <= at <= len(list)``.

:func:`change_ops` writes the ops for a change that is already known (a
subscription's change set: no comparison of the two lists), :func:`diff_ops`
computes them by comparing two lists (by id), :func:`apply_ops` applies them.  ``js/src/list_sync.ts`` implements
``apply_ops`` identically (same validation, same errors); the front end asks
for a full resend (``{"op": "resync"}``) when a patch fails to apply.
:class:`PatchedListSync` is the kernel half of the protocol for a widget class.

Full protocol (docs/widget-sync-protocol.md)::

    kernel -> browser   {"op": "patch", "seq": N, "ops": [...]}
    browser -> kernel   {"op": "ready", "seq": N}   once per front-end model
                        {"op": "resync"}            after a gap or a patch that failed
                        {"op": "load_more", "count": 20}
                        {"op": "select", "id": conversation_id}
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from ..model.sequences import longest_increasing

__all__ = ["ListSyncError", "PatchedListSync", "apply_ops", "change_ops", "diff_ops"]

FULL_RESEND_SHARE = 0.5
"""More ops than this share of the list: send the whole list instead (one trait update)."""

Conversation = Mapping[str, Any]
Op = dict[str, Any]


class ListSyncError(ValueError):
    """A patch op is malformed or does not fit the list it is applied to."""


def _op_error(i: int, why: str) -> ListSyncError:
    return ListSyncError(f"op {i}: {why}")


def apply_ops(old: Sequence[Conversation], ops: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Return a new list: ``old`` with ``ops`` applied in order (``old`` is not modified).

    Raises :class:`ListSyncError` for an unknown op type, a ``put`` without a
    conversation with a string ``id``, or an ``at`` that is not an integer in
    ``0..len(list)`` (after the op's own removal step).
    """
    out = list(old)
    _apply_in_place(out, [c.get("id") for c in out], ops)
    return out


def _apply_in_place(items: list[Any], ids: list[Any], ops: Iterable[Mapping[str, Any]]) -> None:
    """Apply ``ops`` to ``items`` and to ``ids`` (``items``' ids, kept in step: found by a C-level
    ``list.index``, not a Python loop over the items)."""
    for i, op in enumerate(ops):
        if not isinstance(op, Mapping):
            raise _op_error(i, "not an object")
        kind = op.get("t")
        if kind == "del":
            cid = op.get("id")
            if not isinstance(cid, str):
                raise _op_error(i, "del needs a string id")
            _drop(items, ids, cid)
        elif kind == "put":
            conv = op.get("c")
            if not isinstance(conv, Mapping) or not isinstance(conv.get("id"), str):
                raise _op_error(i, "put needs a conversation with a string id")
            at = op.get("at")
            if not isinstance(at, int) or isinstance(at, bool):
                raise _op_error(i, "put needs an integer 'at'")
            _drop(items, ids, conv["id"])
            if not 0 <= at <= len(items):
                raise _op_error(i, f"'at' {at} out of range 0..{len(items)}")
            items.insert(at, conv)
            ids.insert(at, conv["id"])
        else:
            raise _op_error(i, f"unknown op type {kind!r}")


def _drop(items: list[Any], ids: list[Any], cid: str) -> None:
    try:
        at = ids.index(cid)
    except ValueError:
        return
    del items[at]
    del ids[at]


def change_ops(removed: Iterable[str], puts: Sequence[tuple[int, Conversation]], present: Collection[str]) -> list[Op]:
    """The ops for a change that is already known, with no comparison of lists.

    ``removed``: ids that leave. ``puts``: ``(index, conversation)`` for every conversation that
    joins, changes or moves, in ascending index order, ``index`` being its place in the new list.
    ``present``: the ids among ``puts`` that the old list holds. Every conversation not mentioned
    must keep its order relative to the other unmentioned ones (what a subscription's
    ``WindowChange`` guarantees). Then deleting ``removed`` and, when more than one conversation is
    put, the ``present`` ones first, leaves the untouched conversations in order, and putting each
    at its index in ascending order rebuilds the new list. One changed conversation is one ``put``.
    """
    ops: list[Op] = [{"t": "del", "id": cid} for cid in removed]
    if len(puts) > 1:
        ops += [{"t": "del", "id": cid} for cid in present]
    ops += [{"t": "put", "at": at, "c": conv} for at, conv in puts]
    return ops


def diff_ops(
    old: Sequence[Conversation],
    new: Sequence[Conversation],
    *,
    max_changed: float | None = 0.5,
) -> list[Op] | None:
    """Ops that turn ``old`` into ``new`` (matched by ``id``), or ``None`` to resend all.

    Conversations that are unchanged (``==``) and already in the right relative
    order stay where they are; every other conversation costs exactly one
    ``put`` and every vanished one one ``del``.  Moving one conversation to the
    top (a new message) is therefore a single ``put``, whatever the list size.

    Returns ``[]`` when the lists are equal.  Returns ``None`` when a full
    resend is cheaper: when the number of ops exceeds ``max_changed`` times the
    length of the longer list (pass ``max_changed=None`` to always get ops), or
    when either list has duplicate or missing ids.

    Invariant: ``apply_ops(old, diff_ops(old, new)) == list(new)`` whenever the
    result is not ``None``.
    """
    old_ids = [c.get("id") for c in old]
    new_ids = [c.get("id") for c in new]
    if not all(isinstance(i, str) for i in old_ids) or not all(isinstance(i, str) for i in new_ids):
        return None
    if len(set(old_ids)) != len(old_ids) or len(set(new_ids)) != len(new_ids):
        return None
    new_pos = {cid: i for i, cid in enumerate(new_ids)}
    old_by_id = {cid: c for cid, c in zip(old_ids, old, strict=False)}

    ops: list[Op] = [{"t": "del", "id": cid} for cid in old_ids if cid not in new_pos]

    # Survivors whose content is unchanged can stay put if they keep their relative order:
    # keep a longest run of them that is increasing in new positions, re-put the rest.
    candidates = [cid for cid in old_ids if cid in new_pos and old_by_id[cid] == new[new_pos[cid]]]
    keep_seq = [new_pos[cid] for cid in candidates]
    kept = {candidates[p] for p in longest_increasing(keep_seq)}

    n_puts = len(new) - len(kept)
    if max_changed is not None and len(ops) + n_puts > max_changed * max(len(old), len(new)):
        return None
    if n_puts == 0:
        return ops

    # Simulate the list so each put's index is exact: place new[i] right after new[i-1].
    sim = [cid for cid in old_ids if cid in new_pos]
    for i, cid in enumerate(new_ids):
        if cid in kept:
            continue
        if cid in old_by_id:
            sim.remove(cid)
        at = 0 if i == 0 else sim.index(new_ids[i - 1]) + 1
        sim.insert(at, cid)
        ops.append({"t": "put", "at": at, "c": new[i]})
    return ops


class PatchedListSync:
    """Kernel half of the protocol, mixed into an ipywidgets/anywidget widget.

    The widget declares the synced traits ``conversations`` (a list of dicts) and
    ``_seq`` (an int); put this class *before* the widget base class::

        class ConversationList(PatchedListSync, anywidget.AnyWidget):
            conversations = traitlets.List().tag(sync=True)
            _seq = traitlets.Int(0).tag(sync=True)

            def __init__(self, **kw):
                super().__init__(**kw)
                self.on_msg(self._handle_list_sync_msg)

    A plain ``List()`` trait (no per-item trait) is validated in constant time; a
    ``List(Dict())`` would check every dict on every change. Another list name: set
    ``LIST_TRAITS = ("messages", "_seq")`` (the ``Chatbox``).

    Then call :meth:`patch_conversations` with the ops of each change (from
    :func:`change_ops`), or :meth:`update_conversations` with each new list (the
    ops are then found by :func:`diff_ops`), or :meth:`patch_list` with a new list
    and the ops that make it, :meth:`replace_list` for a full resend.  They update
    the traits in Python (so ``get_state()``, late-joining front ends and
    widget-state saving see the current list) but send only a ``patch`` custom
    message, or a normal trait update when a full resend is cheaper.

    It also handles the browser's messages: ``{"op": "resync"}`` (a gap) and
    ``{"op": "ready", "seq": n}`` (a new front-end model; patches sent before it
    listened are lost, so the traits are re-sent when ``n`` is not the current seq).
    And it drops ``conversations``/``_seq`` from browser state updates: the front
    end sets them locally when it applies a patch, and ipywidgets would otherwise
    send that copy back with the next ``save_changes()`` (e.g. a selection) and
    echo it to the other front ends.
    """

    LIST_TRAITS: tuple[str, str] = ("conversations", "_seq")
    """The synced list trait and its seq trait; a widget whose list has another name sets this."""
    _list_patching = False
    _list_ids: list[Any] | None = None
    """The ids of the list trait's value when it is ``_list_ids_of`` (kept by ``patch_conversations``)."""
    _list_ids_of: object = None

    if TYPE_CHECKING:  # provided by ipywidgets.Widget / the subclass
        conversations: list[dict[str, Any]]
        _seq: int

        def send(self, content: Any, buffers: Any = None) -> None: ...
        def send_state(self, key: Any = None) -> None: ...
        def hold_sync(self) -> AbstractContextManager[None]: ...
        def set_trait(self, name: str, value: Any) -> None: ...

    def patch_conversations(self, ops: Sequence[Op]) -> list[Op] | None:
        """Apply ``ops`` to the list and send them; returns the ops sent, ``None`` for a full resend
        (more ops than half the list), ``[]`` when there are none. Costs time in proportion to the
        ops (and a copy of the list's pointers), not to a comparison of the items."""
        if not ops:
            return []
        old = getattr(self, self.LIST_TRAITS[0])
        ids = self._list_ids if self._list_ids_of is old and self._list_ids is not None else [c.get("id") for c in old]
        new, new_ids = list(old), list(ids)
        _apply_in_place(new, new_ids, ops)
        sent = self._commit(new, list(ops), max(len(old), len(new)))
        self._list_ids, self._list_ids_of = new_ids, new
        return sent

    def update_conversations(self, new: Sequence[Mapping[str, Any]]) -> list[Op] | None:
        """Make ``new`` the list; returns the ops sent, ``None`` for a full resend, ``[]`` if unchanged."""
        new_list = [dict(c) for c in new]
        ops = diff_ops(self.conversations, new_list, max_changed=FULL_RESEND_SHARE)
        if ops == []:
            return ops
        return self._commit(new_list, ops, max(len(self.conversations), len(new_list)))

    def _commit(self, new_list: list[Any], ops: list[Op] | None, size: int) -> list[Op] | None:
        """Send ``ops`` as a patch, or the whole list when they are too many (or ``None``)."""
        if ops is None or len(ops) > FULL_RESEND_SHARE * size:
            self.replace_list(new_list)
            return None
        self.patch_list(new_list, ops)
        return ops

    def patch_list(self, new_list: list[Any], ops: list[Op]) -> None:
        """Make ``new_list`` the list, telling the browser only ``ops`` (which must turn the current
        list into ``new_list``): for a widget that computes its ops itself instead of diffing."""
        list_trait, seq_trait = self.LIST_TRAITS
        seq = getattr(self, seq_trait) + 1
        self._list_patching = True
        try:
            self.set_trait(list_trait, new_list)  # set_trait: the list may be a read-only trait
            setattr(self, seq_trait, seq)
        finally:
            self._list_patching = False
        self.send({"op": "patch", "seq": seq, "ops": ops})

    def replace_list(self, new_list: list[Any]) -> None:
        """Make ``new_list`` the list with one normal trait update (a full resend)."""
        list_trait, seq_trait = self.LIST_TRAITS
        with self.hold_sync():
            self.set_trait(list_trait, new_list)
            setattr(self, seq_trait, getattr(self, seq_trait) + 1)

    def resend_conversations(self) -> None:
        """Send the full list and seq traits (what a resync does)."""
        self.send_state(list(self.LIST_TRAITS))

    def _handle_list_sync_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> bool:
        """``on_msg`` handler; returns True when the message belonged to the list sync."""
        if not isinstance(content, Mapping):
            return False
        op = content.get("op")
        if op == "resync":
            self.resend_conversations()
            return True
        if op == "ready":
            if content.get("seq") != self._seq:
                self.resend_conversations()
            return True
        return False

    # ipywidgets hooks
    def _should_send_property(self, key: str, value: Any) -> bool:
        if self._list_patching and key in self.LIST_TRAITS:
            return False
        return super()._should_send_property(key, value)  # type: ignore[misc, no-any-return]

    def set_state(self, sync_data: dict[str, Any]) -> None:
        sync_data = {k: v for k, v in sync_data.items() if k not in self.LIST_TRAITS}
        super().set_state(sync_data)  # type: ignore[misc]
