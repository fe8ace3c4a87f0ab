"""``Subscription``: the base of every subscription kind (conversation list, messages, user...).

The contract, for a subclass:

**Lifecycle (done here).** A subscription is made on the session's loop and starts at once:
``state`` is ``PendingState``, then a new ``ActiveState`` per change, and finally
``UnsubscribedState`` (``unsubscribe()``, or the session was closed) or ``ErrorState`` (a failed
load, or the session's unrecoverable error). The final states never change. ``connected`` resolves
with the first ``ActiveState`` or raises ``SubscriptionTerminatedError`` if the subscription ends
first; ``terminated`` resolves with the final state and never raises (no future is left with an
unretrieved exception). ``unsubscribe()`` is synchronous and idempotent.

**One ordered work task (done here).** Everything that changes the subscription's data runs in one
task, one item at a time, in arrival order: the initial ``_load()``, each live frame, each resync
and each job queued with ``_run_in_order`` (``load_more``). So a subclass never guards against
concurrency: between two awaits inside a hook, nothing else touches its state. Live frames
that arrive during the initial load wait in the queue and are applied after it, which is why
**applying a frame twice must be harmless**: the load may already reflect a queued frame, and a
reconnect may replay one. Idempotence is what makes the initial load and reconnects gap-free.

**Hooks (the subclass writes these).**

- ``async _load() -> None``: read the initial data. The base emits once afterwards (even if empty).
- ``async _apply(frame) -> bool``: apply one live event frame (``frame["type"]``,
  ``frame["conversationId"]``, ``frame["data"]``, see docs/realtime-protocol.md); answer whether
  anything visible changed. Ignore what does not concern you (answer False). Must be idempotent.
- optionally ``async _signal(frame) -> bool``: the same for the feed's other frames: the
  ephemeral ``typing``, ``presence`` and ``user`` frames (no ``seq``, never replayed) and
  ``reconnected`` (the feed came back after a drop: re-read what cannot be replayed). Ignored by
  default.
- ``async _resync() -> bool``: re-read everything over REST (after a feed resync, and on every poll
  against the cloud); answer whether anything changed. Keep unchanged snapshot objects.
- ``_snapshot() -> T``: the current ``latest_snapshot`` value (immutable: a snapshot or a tuple).
- optionally ``_active_state(snapshot)`` and ``_callback_args(state)``: what the state holds and
  what ``on_snapshot`` receives; by default ``ActiveState(latest_snapshot=...)`` and
  ``on_snapshot(snapshot)``. The windowed layer (``_window.py``) adds ``loaded_all`` to both.
- optionally ``_emitted(state)``: runs after each emission, once ``on_snapshot`` has had it (the
  windowed layer hands its change set to ``on_change`` handlers there).
- optionally ``_cleanup()``: release what the subscription holds outside itself (a presence or
  user watch, a timer) when it ends; called once, synchronously.
- ``TASK_NAME``: the work task's name (shows in asyncio debugging).

**Emitting (done here).** After ``_load``, and after every hook or job that answers True, the base
builds the new ``ActiveState``, resolves ``connected`` the first time, and calls ``on_snapshot``.
The callback may be sync or ``async def`` (then it runs as a task); one that raises is logged and
never ends the subscription.

**Errors.** An exception from a hook or job ends the subscription in ``ErrorState`` (a job's caller
gets the exception too). The session's unrecoverable error reaches it through the core and ends it
the same way. A subscription made on a session that has already failed ends at once.

A new kind is therefore one small module: a subclass with the hooks above plus any public methods
of its JS counterpart (queue them with ``_run_in_order``), and a ``subscribe_*`` method on
``TalkSession`` that constructs it with the session's core.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from ..model.errors import SubscriptionTerminatedError, TalkError
from ..model.states import ActiveState, ErrorState, PendingState, TerminalState, UnsubscribedState
from ..transport.live import Frame, is_resync
from ._core import Listener, SessionCore

log = logging.getLogger("talkwidgets.session")

T = TypeVar("T")
"""The type of ``latest_snapshot``."""


@dataclass(eq=False)
class _Job:
    """Work queued by a public method; ``done`` tells the caller when it ran (or why not)."""

    work: Callable[[], Awaitable[bool]]
    done: asyncio.Future[None]


class Subscription(Generic[T]):
    """States, futures, the ordered work task and emission; see the module docstring for the contract."""

    TASK_NAME: ClassVar[str] = "talkwidgets-subscription"

    def __init__(self, core: SessionCore, on_snapshot: Callable[..., Any] | None) -> None:
        loop = asyncio.get_running_loop()
        self._core = core
        self._on_snapshot = on_snapshot
        self._state: PendingState | ActiveState[T] | UnsubscribedState | ErrorState = PendingState()
        self.connected: asyncio.Future[ActiveState[T]] = loop.create_future()
        """Resolves with the first active state; raises ``SubscriptionTerminatedError`` if it ends first."""
        self.terminated: asyncio.Future[TerminalState] = loop.create_future()
        """Resolves (never raises) once the subscription has stopped for good."""
        self._queue: asyncio.Queue[Frame | _Job] = asyncio.Queue()
        self._current_job: _Job | None = None
        self._callback_tasks: set[asyncio.Future[Any]] = set()
        self._listener = Listener(on_frame=self._deliver, on_fatal=self._fail, on_close=self.unsubscribe)
        self._task: asyncio.Task[None] | None = loop.create_task(self._run(), name=self.TASK_NAME)
        if core.error is not None:
            self._fail(core.error)

    # -- public API -----------------------------------------------------------------------------

    @property
    def state(self) -> PendingState | ActiveState[T] | UnsubscribedState | ErrorState:
        return self._state

    def unsubscribe(self) -> None:
        """Stop receiving updates; safe to call more than once."""
        if self.terminated.done():
            return
        self._finish(UnsubscribedState())

    # -- hooks (see the module docstring) -------------------------------------------------------

    async def _load(self) -> None:
        raise NotImplementedError

    async def _apply(self, frame: Frame) -> bool:
        return False

    async def _signal(self, frame: Frame) -> bool:
        return False

    async def _resync(self) -> bool:
        raise NotImplementedError

    def _snapshot(self) -> T:
        raise NotImplementedError

    def _active_state(self, snapshot: T) -> ActiveState[T]:
        return ActiveState(latest_snapshot=snapshot)

    def _cleanup(self) -> None:
        pass

    def _callback_args(self, state: ActiveState[T]) -> tuple[Any, ...]:
        return (state.latest_snapshot,)

    def _emitted(self, state: ActiveState[T]) -> None:
        """Called after each emission, once ``on_snapshot`` has been called (or scheduled)."""

    # -- for subclasses -------------------------------------------------------------------------

    async def _run_in_order(self, work: Callable[[], Awaitable[bool]]) -> None:
        """Run ``work`` in the work task, after what is queued; emit if it answers True.

        Raises ``SubscriptionTerminatedError`` if the subscription has ended (or ends first), and
        whatever ``work`` raised (which also ends the subscription).
        """
        if self.terminated.done():
            raise SubscriptionTerminatedError(self._state, "the subscription has ended")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, done))
        await done

    # -- the task ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._core.attach(self._listener)
            await self._load()
            self._emit()
            while True:
                item = await self._queue.get()
                if isinstance(item, _Job):
                    await self._serve(item)
                elif is_resync(item):
                    if await self._resync():
                        self._emit()
                elif item.get("op") == "event":
                    if await self._apply(item):
                        self._emit()
                elif await self._signal(item):
                    self._emit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._finish(ErrorState(error=exc))

    def _deliver(self, frame: Frame) -> None:
        """The core's callback for each live frame (or resync request)."""
        if not self.terminated.done():
            self._queue.put_nowait(frame)

    async def _serve(self, job: _Job) -> None:
        self._current_job = job
        try:
            changed = await job.work()
        except Exception as exc:
            if not job.done.done():
                job.done.set_exception(exc)
            raise
        finally:
            self._current_job = None
        if changed:
            self._emit()
        if not job.done.done():
            job.done.set_result(None)

    # -- state ------------------------------------------------------------------------------------

    def _emit(self) -> None:
        state = self._state = self._active_state(self._snapshot())
        if not self.connected.done():
            self.connected.set_result(state)
        if self._on_snapshot is not None:
            self._call_back("on_snapshot", self._on_snapshot, *self._callback_args(state))
        self._emitted(state)

    def _call_back(self, what: str, callback: Callable[..., Any], *args: Any) -> None:
        """Call a user's callback: one that raises is logged, an ``async def`` one runs as a task."""
        try:
            result = callback(*args)
        except Exception:  # a faulty callback must not end the subscription
            log.exception("%s callback raised", what)
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._callback_tasks.add(task)
            task.add_done_callback(lambda done: self._callback_finished(what, done))

    def _callback_finished(self, what: str, task: asyncio.Future[Any]) -> None:
        self._callback_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s callback raised", what, exc_info=task.exception())

    def _finish(self, state: UnsubscribedState | ErrorState) -> None:
        if self.terminated.done():
            return
        self._state = state
        error = state.error if isinstance(state, ErrorState) else None
        if not self.connected.done():
            self.connected.set_exception(
                SubscriptionTerminatedError(
                    state, f"the subscription ended before it connected{f': {error}' if error else ''}"
                )
            )
            self.connected.exception()  # mark retrieved (no "never retrieved" warning)
        self.terminated.set_result(state)
        self._abandon_jobs(state)
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._core.detach(self._listener)
        try:
            self._cleanup()
        except Exception:  # cleanup must not keep the subscription from ending
            log.exception("subscription cleanup raised")

    def _abandon_jobs(self, state: UnsubscribedState | ErrorState) -> None:
        """Jobs that will never run tell their callers why (instead of leaving them waiting)."""
        jobs = [self._current_job] if self._current_job is not None else []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, _Job):
                jobs.append(item)
        for job in jobs:
            if not job.done.done():
                job.done.set_exception(SubscriptionTerminatedError(state, "the subscription has ended"))
                job.done.exception()  # mark retrieved: the caller may have stopped waiting

    def _fail(self, error: TalkError | BaseException) -> None:
        self._finish(ErrorState(error=error))


State = PendingState | ActiveState[Any] | UnsubscribedState | ErrorState

__all__ = ["State", "Subscription"]
