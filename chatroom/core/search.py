"""``/search``: what a search asks for, its bounds, and whose rooms it reads.

The syntax (``docs/protocol.md``, *Search*): words, all of which a message
must contain as whole words (the back-end folds case and accents), and
filters among them, each a token of its own:

- ``in:ROOM``: only that room (several: any of them); a room the searcher
  is not in is refused (``NOT_IN_ROOM``), never searched;
- ``from:USER``: only messages sent under that name (compared as names
  are, by :func:`chatroom.core.text.name_key`);
- ``before:TIME`` and ``after:TIME``: sent before ``TIME``, or at or after
  it; ``TIME`` is the wire's UTC form (``2026-11-22T10:00:05.000Z``) or a
  shorter ISO 8601 one (``2026-11-22``, ``2026-11-22T10:00``), always UTC.

The core checks the query and the rooms here (the rules); a back-end runs
it (:meth:`chatroom.core.backend.MessageSteps.search`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from chatroom.core import errors
from chatroom.core.events import Event
from chatroom.core.text import name_key

#: Most messages one search returns (``FOUND`` lines before ``FOUND_END``).
FOUND_LIMIT = 50

#: Longest search, in characters (words and filters together).
SEARCH_MAX_LENGTH = 200

USAGE = "/search WORDS [in:ROOM] [from:USER] [before:TIME] [after:TIME]"


@dataclass(frozen=True)
class SearchQuery:
    """A checked search: its words and filters."""

    words: tuple[str, ...]
    #: ``in:`` rooms, as typed (none: every room of the searcher).
    rooms: tuple[str, ...] = ()
    #: ``from:``'s name, as typed ("" for anyone).
    user: str = ""
    #: Seconds since the epoch: sent before ``before``, at or after ``after``.
    before: float | None = None
    after: float | None = None


def parse_search(text: str) -> SearchQuery:
    """The query ``text`` asks for, or ``BAD_ARGS`` saying what is wrong."""
    text = text.strip()
    if not text:
        raise errors.bad_args(f"nothing to search for; usage: {USAGE}")
    if len(text) > SEARCH_MAX_LENGTH:
        raise errors.bad_args(
            f"a search is at most {SEARCH_MAX_LENGTH} characters long"
        )
    words: list[str] = []
    rooms: list[str] = []
    user = ""
    times: dict[str, float] = {}
    for token in text.split():
        kind, colon, value = token.partition(":")
        kind = kind.lower()
        if not colon or kind not in ("in", "from", "before", "after"):
            words.append(token)
        elif not value:
            raise errors.bad_args(f"{kind}: needs a value; usage: {USAGE}")
        elif kind == "in":
            rooms.append(value)
        elif kind == "from":
            user = value
        else:
            times[kind] = parse_when(value)
    if not words:
        raise errors.bad_args(f"no words to search for; usage: {USAGE}")
    return SearchQuery(
        tuple(words), tuple(rooms), user, times.get("before"), times.get("after")
    )


def parse_when(value: str) -> float:
    """``TIME`` (UTC, ISO 8601) as seconds since the epoch, or ``BAD_ARGS``."""
    try:
        when = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise errors.bad_args(
            f"{value} is no time; write it as 2026-11-22 or 2026-11-22T10:00:05Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def rooms_to_search(
    query: SearchQuery, rooms: Sequence[str], place: Callable[[str], str]
) -> list[str]:
    """The rooms a search reads: the searcher's own (``rooms``, each
    checked by ``place``: the back-end's room of that name the member is
    in), narrowed to the ``in:`` ones, which must be among them."""
    mine = {name_key(room): place(room) for room in rooms}
    if not query.rooms:
        return list(mine.values())
    chosen = []
    for room in query.rooms:
        found = mine.get(name_key(room))
        if found is None:
            raise errors.not_in_room(f"you are not in {room}")
        chosen.append(found)
    return chosen


def found(room: str, event_id: int, user: str, stamp: str, text: str) -> Event:
    """One search result: ``FOUND <room> <id> <user> <time> <text>``."""
    return Event("FOUND", (room, str(event_id), user, stamp), text)


class Searcher(Protocol):
    """What runs a search: a back-end's
    :class:`~chatroom.core.backend.MessageSteps`."""

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[Event]: ...


async def run(
    searcher: Searcher, place: Callable[[str], str], rooms: Sequence[str], text: str
) -> list[Event]:
    """``/search text`` over the member's ``rooms``: the query checked, the
    rooms chosen (``place``: the back-end's room of a name the member is
    in, or a refusal), the search run by the back-end."""
    query = parse_search(text)
    chosen = rooms_to_search(query, rooms, place)
    return await searcher.search(chosen, query, FOUND_LIMIT)
