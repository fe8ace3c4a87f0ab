"""``search_messages`` and ``search_conversations``: two-step searches, not live.

Make one with its ``on_results(results, status)`` callback, then ``await set_query(query)``
(the first 3 results) and ``await load_more(limit)`` (1..50 more, 10 by default). ``status`` is
``"searching"`` while a read is under way, then ``"canLoadMore"`` or ``"loadedAll"``.

- ``set_query`` starts over; a newer ``set_query`` supersedes an older one still running (the
  older call still answers its own results, but only the newest one reaches ``on_results``).
- ``load_more`` does nothing while a read is under way, or before ``set_query``, or once
  everything is loaded: it then answers the current state at once (before ``set_query``, an
  empty state with ``loaded_all=False``).
- ``load_more(50)`` reads one full page and no more, so when exactly the last 50 results were
  read ``loaded_all`` stays false until the next ``load_more`` finds nothing.

Matching is the server's (TalkJS's rules): every query word is a prefix of a word of the text,
case-insensitive, punctuation at word edges ignored. Messages are searched in their text only;
conversations in their ``subject`` or their ``custom["search"]``. Search is an emulator
extension (TalkJS documents no REST route for it): against the TalkJS cloud ``set_query``
raises ``TalkError`` at once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from ..model.errors import InvalidArgumentError
from ..model.snapshots import ConversationSnapshot, SearchMessageSnapshot
from ..model.states import ConversationSearchState, MessageSearchState, SearchStatus
from ..transport.rest import path
from ._core import SessionCore, Wire
from ._filters import filter_query, filter_to_wire
from ._params import check_count
from ._window import read_window

log = logging.getLogger("talkwidgets.session")

FIRST_PAGE = 3
"""Results ``set_query`` loads (TalkJS's value)."""
DEFAULT_LOAD_MORE = 10
MAX_LOAD_MORE = 50

R = TypeVar("R")
St = TypeVar("St", MessageSearchState, ConversationSearchState)


class Search(Generic[R, St]):
    """What both searches share: the query, the results so far, paging and the callback."""

    ROUTE: ClassVar[str]

    def __init__(self, core: SessionCore, on_results: Callable[[tuple[R, ...], SearchStatus], Any] | None) -> None:
        self._core = core
        self._on_results = on_results
        self._generation = 0
        self._query: str | None = None
        self._filter: Any = None
        self._results: list[R] = []
        self._cursor: str | None = None
        self._loaded_all = False
        self._busy = False

    # -- public API -----------------------------------------------------------------------------

    async def set_query(self, query: str, *, conversation_filter: Any = None) -> St:
        """Start a new search for ``query``, optionally among conversations matching
        ``conversation_filter`` (a ``ConversationFilter``); answers the first 3 results."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidArgumentError(f"query must be a non-empty string, got {query!r}")
        wire_filter = filter_to_wire(conversation_filter) if conversation_filter is not None else None
        self._core.require_extension("search")
        self._generation += 1
        generation = self._generation
        self._query, self._filter = query, wire_filter
        self._results, self._cursor, self._loaded_all = [], None, False
        return await self._read(generation, FIRST_PAGE)

    async def load_more(self, limit: int = DEFAULT_LOAD_MORE) -> St:
        """Load ``limit`` (1..50) more results; answers every result so far. Does nothing while a
        read is under way, before ``set_query`` or once everything is loaded (answers the current
        state then)."""
        check_count(limit, 1, MAX_LOAD_MORE, "limit")
        if self._busy or self._query is None or self._loaded_all:
            return self._state()
        return await self._read(self._generation, limit)

    @property
    def state(self) -> St:
        """Python extension: every result so far and ``loaded_all``."""
        return self._state()

    # -- reading --------------------------------------------------------------------------------

    async def _read(self, generation: int, count: int) -> St:
        self._busy = True
        self._tell(generation, "searching")
        params: dict[str, Any] = {"query": self._query}
        if self._filter is not None:
            params["filter"] = filter_query(self._filter)
        url = path("users", self._core.user_id, *self.ROUTE.split("/"))
        try:
            # A whole page (50) is read in one request: a second one just to learn whether more
            # exist would double the cost of a search that matches many messages.
            page, exhausted = await read_window(
                self._core,
                url,
                count,
                self._cursor,
                page_limit=MAX_LOAD_MORE,
                key=self._cursor_of,
                params=params,
                exact=count < MAX_LOAD_MORE,
            )
            built = [await self._build(item) for item in page]
        except Exception:
            if generation == self._generation:
                self._busy = False
                self._tell(generation, "loadedAll" if self._loaded_all else "canLoadMore")
            raise
        if generation != self._generation:  # superseded by a newer set_query
            return self._make_state(tuple(built), exhausted)
        self._busy = False
        self._results.extend(built)
        if page:
            self._cursor = self._cursor_of(page[-1])
        self._loaded_all = exhausted
        self._tell(generation, "loadedAll" if exhausted else "canLoadMore")
        return self._state()

    def _tell(self, generation: int, status: SearchStatus) -> None:
        if self._on_results is None or generation != self._generation:
            return
        try:
            result = self._on_results(tuple(self._results), status)
        except Exception:  # a faulty callback must not break the search
            log.exception("on_results callback raised")
            return
        if inspect.isawaitable(result):
            self._core.loop.create_task(_logged(result))

    def _state(self) -> St:
        return self._make_state(tuple(self._results), self._loaded_all)

    # -- per kind -------------------------------------------------------------------------------

    def _cursor_of(self, item: Wire) -> str:
        raise NotImplementedError

    async def _build(self, item: Wire) -> R:
        raise NotImplementedError

    def _make_state(self, results: tuple[R, ...], loaded_all: bool) -> St:
        raise NotImplementedError


async def _logged(result: Any) -> None:
    try:
        await result
    except Exception:
        log.exception("on_results callback raised")


class MessageSearch(Search[SearchMessageSnapshot, MessageSearchState]):
    """Mirror of JS ``MessageSearch``: newest matching messages first, in conversations you are in."""

    ROUTE = "messages/search"

    def _cursor_of(self, item: Wire) -> str:
        return str(item["message"]["id"])

    async def _build(self, item: Wire) -> SearchMessageSnapshot:
        conversation = await self._core.conversation_from_wire(item["conversation"])
        message = await self._core.message_snapshot(item["message"])
        return SearchMessageSnapshot(conversation=conversation, message=message)

    def _make_state(self, results: tuple[SearchMessageSnapshot, ...], loaded_all: bool) -> MessageSearchState:
        return MessageSearchState(results=results, loaded_all=loaded_all)


class ConversationSearch(Search[ConversationSnapshot, ConversationSearchState]):
    """Mirror of JS ``ConversationSearch``: most recently active matching conversations first."""

    ROUTE = "conversations/search"

    def _cursor_of(self, item: Wire) -> str:
        return str(item["id"])

    async def _build(self, item: Wire) -> ConversationSnapshot:
        return await self._core.conversation_from_wire(item)

    def _make_state(self, results: tuple[ConversationSnapshot, ...], loaded_all: bool) -> ConversationSearchState:
        return ConversationSearchState(results=results, loaded_all=loaded_all)


__all__ = ["ConversationSearch", "MessageSearch", "Search"]
