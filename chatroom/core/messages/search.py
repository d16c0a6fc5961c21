"""``/search``: what a search asks for, its bounds, and whose rooms it reads.

The syntax (``docs/protocol.md``, *Search*): words, all of which a message
must contain (the back-end folds case and accents), a word of
:data:`PREFIX_LENGTH` characters or more as the start of one of its words
(``boil`` finds "boiling"), a shorter one as a whole word, and filters
among them, each a token of its own:

- ``in:ROOM``: only that room (several: any of them); a room the searcher
  is not in is refused (``NOT_IN_ROOM``), never searched;
- ``in:@USER``: only the searcher's private conversation with USER (with
  ``in:ROOM``: any of them). Without any ``in:``, a signed-in searcher's
  own private conversations are searched beside its rooms, never anyone
  else's; a plain name keeps none (``/history @USER``), so has none;
- ``in:thread``: only messages of threads (``/thread``; their roots
  aside), in the rooms searched; the word ``thread`` after ``in:`` is this
  filter, never a room's name;
- ``from:USER``: only messages sent under that name (compared as names
  are, by :func:`chatroom.core.model.text.name_key`);
- ``before:TIME`` and ``after:TIME``: sent before ``TIME``, or at or after
  it; ``TIME`` is the wire's UTC form (``2026-11-22T10:00:05.000Z``) or a
  shorter ISO 8601 one (``2026-11-22``, ``2026-11-22T10:00``), always UTC.

The core checks the query and the rooms here (the rules), and names the
private conversations it may read in the query (:attr:`SearchQuery.party`,
:attr:`SearchQuery.conversations`); a back-end runs it
(:meth:`chatroom.core.backend.MessageSteps.search`) and names a private
hit with :func:`private_found`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from chatroom.core.messages.private import conversation_key
from chatroom.core.model import errors
from chatroom.core.model.events import SearchResult
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules

#: Most messages one search returns (``FOUND`` lines before ``FOUND_END``).
FOUND_LIMIT = 50

#: Longest search, in characters (words and filters together).
SEARCH_MAX_LENGTH = 200

USAGE = (
    "/search WORDS [in:ROOM] [in:@USER] [in:thread] [from:USER] [before:TIME]"
    " [after:TIME]"
)

#: ``in:thread``'s value: only threads' messages.
IN_THREADS = "thread"

#: A search word this long or longer matches every word it starts (what a
#: person types is often the start of the word said: ``boil`` for
#: "boiling", ``deploy`` for "deployment"); a shorter one matches only
#: itself, as ``a`` or ``is`` would otherwise match nearly every message
#: and make the engine read most of its index.
PREFIX_LENGTH = 3


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
    #: ``in:@USER`` names, as typed (the ``@`` taken off).
    people: tuple[str, ...] = ()
    #: ``in:thread``: only messages of threads (no private ones).
    threads: bool = False
    #: The words that match the words they start (:data:`PREFIX_LENGTH`);
    #: the others, whole words only.
    starts: frozenset[str] = frozenset()
    #: Set by the core for the engine. The searcher's party (its account
    #: key) whose private conversations are searched; "" for none.
    party: str = ""
    #: Set by the core: when not empty, only these conversations of
    #: ``party`` (their keys, :func:`~chatroom.core.messages.private.conversation_key`);
    #: empty, every conversation of ``party``.
    conversations: tuple[str, ...] = ()


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
    people: list[str] = []
    user = ""
    threads = False
    times: dict[str, float] = {}
    for token in text.split():
        kind, colon, value = token.partition(":")
        kind = kind.lower()
        if not colon or kind not in ("in", "from", "before", "after"):
            words.append(token)
        elif not value:
            raise errors.bad_args(f"{kind}: needs a value; usage: {USAGE}")
        elif kind == "in" and value.lower() == IN_THREADS:
            threads = True
        elif kind == "in" and value.startswith("@"):
            if len(value) == 1:
                raise errors.bad_args(f"in:@ needs a name; usage: {USAGE}")
            people.append(value[1:])
        elif kind == "in":
            rooms.append(value)
        elif kind == "from":
            user = value
        else:
            times[kind] = parse_when(value)
    if not words:
        raise errors.bad_args(f"no words to search for; usage: {USAGE}")
    return SearchQuery(
        tuple(words),
        tuple(rooms),
        user,
        times.get("before"),
        times.get("after"),
        tuple(people),
        threads,
        frozenset(word for word in words if len(word) >= PREFIX_LENGTH),
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
        return [] if query.people else list(mine.values())
    chosen = []
    for room in query.rooms:
        found = mine.get(name_key(room))
        if found is None:
            raise errors.not_in_room(f"you are not in {room}")
        chosen.append(found)
    return chosen


def found(room: str, event_id: int, user: str, stamp: str, text: str) -> SearchResult:
    """One search result: ``FOUND <room> <id> <user> <time> <text>``."""
    return SearchResult(room, str(event_id), user, stamp, text)


def private_found(
    party: str,
    conversation: str,
    event_id: int,
    sender: str,
    recipient: str,
    stamp: str,
    text: str,
) -> SearchResult:
    """A hit in ``party``'s private conversation ``conversation``:
    ``FOUND @USER <id> <sender> <time> <text>``, USER the other party (as
    ``/history @USER`` names the conversation): the one of the message's
    two names that is the other party's, else the one that is not
    ``party``'s (an account that wrote under another name), else the other
    party's key."""
    one, _, two = conversation.partition(" ")
    other = two if one == party else one
    names = (recipient, sender) if name_key(sender) == party else (sender, recipient)
    shown = next((n for n in names if name_key(n) == other), None)
    if shown is None:
        shown = next((n for n in names if name_key(n) != party), other)
    return SearchResult(f"@{shown}", str(event_id), sender, stamp, text)


class Found(NamedTuple):
    """One message an engine found: of room ``room`` (its key), or of the
    private conversation ``conversation`` (its key; ``room`` is "" then)
    from ``user`` to ``recipient``."""

    room: str
    event_id: int
    user: str
    stamp: str
    text: str
    conversation: str = ""
    recipient: str = ""


def found_events(
    hits: Sequence[Found], names: Mapping[str, str], party: str
) -> list[SearchResult]:
    """An engine's hits as ``FOUND`` events, as every back-end answers them:
    a room's under the name the searcher knows it by (``names``: key →
    name), a private one as :func:`private_found` names it for ``party``."""
    return [
        found(names[hit.room], hit.event_id, hit.user, hit.stamp, hit.text)
        if hit.room
        else private_found(
            party,
            hit.conversation,
            hit.event_id,
            hit.user,
            hit.recipient,
            hit.stamp,
            hit.text,
        )
        for hit in hits
    ]


class Searcher(Protocol):
    """What runs a search: a back-end's
    :class:`~chatroom.core.backend.MessageSteps`."""

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]: ...


async def run(
    searcher: Searcher,
    place: Callable[[str], str],
    rooms: Sequence[str],
    text: str,
    party: str = "",
    party_of: Callable[[str], Awaitable[str]] | None = None,
) -> list[SearchResult]:
    """``/search text`` over the member's ``rooms`` and, for an account
    (``party``, its key), its private conversations: the query checked, the
    rooms chosen (``place``: the back-end's room of a name the member is
    in, or a refusal), the conversations named (``party_of``: the party a
    name is, as ``/history @USER`` finds it), the search run by the
    back-end."""
    query = parse_search(text)
    chosen = rooms_to_search(query, rooms, place)
    return await searcher.search(
        chosen, await private_part(query, party, party_of), FOUND_LIMIT
    )


async def private_part(
    query: SearchQuery,
    party: str,
    party_of: Callable[[str], Awaitable[str]] | None,
) -> SearchQuery:
    """``query`` with the private conversations it may read: none when
    ``in:`` names only rooms; every one of ``party``'s without ``in:``;
    only those ``in:@USER`` names, which a plain name (no ``party``) may
    not ask for (``NOT_ALLOWED``, as ``/history @USER``)."""
    if not query.people:
        in_rooms_only = query.rooms or query.threads  # threads are rooms'
        return replace(query, party="" if in_rooms_only else party)
    if not party or party_of is None:
        raise errors.not_allowed(
            "only accounts keep private conversations: /register PASSWORD"
        )
    keys = []
    for name in query.people:
        rules.check_name(name)
        other = await party_of(name)
        keys.append(conversation_key(party, other))
    return replace(query, party=party, conversations=tuple(keys))
