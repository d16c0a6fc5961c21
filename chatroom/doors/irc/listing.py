"""``LIST`` and its filters (Modern's ``ELIST=CMNTU``): which rooms a
client is shown, by name, size and times.

Split from :mod:`chatroom.doors.irc.commands` (the rest of the channel
commands); the room list itself, with its privacy (secret rooms to their
members only), is the core's :meth:`list_rooms`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from twisted.words.protocols import irc

from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, channel, split_list


async def list_(session: IRCSession, params: tuple[str, ...]) -> None:
    """``LIST [filters]``, with Modern's ``ELIST=CMNTU`` filters, comma
    separated, all of which a room must pass: ``#name`` or a mask with
    ``*`` and ``?`` (``M``), a mask after ``!`` that it must not match
    (``N``), ``>n`` or ``<n`` users (``U``), ``C<n`` / ``C>n`` made less /
    more than n minutes ago (``C``), ``T<n`` / ``T>n`` its topic set less /
    more than n minutes ago (``T``), as Modern and InspIRCd read them."""
    tests = [list_filter(word) for word in split_list(params[0])] if params else []
    listing = await session.registry.rooms.list_rooms(session.member)
    rooms = [info for info in listing.rooms if listed(info.name, info.members, tests)]
    timed = [(kind, value) for kind, value in tests if kind in _TIME_FILTERS]
    if timed:  # times are the rooms' details: asked only when filtered on
        rooms = [info for info in rooms if await in_time(session, info.name, timed)]
    session.numeric(irc.RPL_LISTSTART, "Channel", "Users  Name")
    data = b"".join(
        build(
            session.me,
            irc.RPL_LIST,
            session.nick,
            channel(info.name),
            str(info.members),
            info.topic,
        )
        for info in rooms
    )
    session.send(data)
    session.numeric(irc.RPL_LISTEND, "End of /LIST")


#: ``LIST``'s filters on times: made (``C``) or topic set (``T``) less or
#: more than n minutes ago.
_TIME_FILTERS = frozenset({"C<", "C>", "T<", "T>"})


def list_filter(word: str) -> tuple[str, str]:
    """One ``LIST`` filter as (kind, value): ``mask``, ``not``, ``>``, ``<``,
    or one of :data:`_TIME_FILTERS`."""
    if word[:1] in "<>" and word[1:].isdigit():
        return word[0], word[1:]
    if word[:2].upper() in _TIME_FILTERS and word[2:].isdigit():
        return word[:2].upper(), word[2:]
    if word.startswith("!"):
        return "not", name_key(word[1:])
    return "mask", name_key(word)


def listed(room: str, members: int, tests: list[tuple[str, str]]) -> bool:
    """Whether a room passes ``LIST``'s filters (any one of the masks)."""
    chan = name_key(channel(room))
    masks = [value for kind, value in tests if kind == "mask"]
    if masks and not any(fnmatchcase(chan, mask) for mask in masks):
        return False
    for kind, value in tests:
        if kind == "not" and fnmatchcase(chan, value):
            return False
        if kind == ">" and not members > int(value):
            return False
        if kind == "<" and not members < int(value):
            return False
    return True


async def in_time(session: IRCSession, room: str, tests: list[tuple[str, str]]) -> bool:
    """Whether ``room`` passes ``LIST``'s time filters; a room whose time is
    unknown (no topic, or kept by an older store) or gone passes none."""
    try:
        details = await session.registry.rooms.room_details(room)
    except ChatError:
        return False
    for kind, value in tests:
        when = details.created_at if kind[0] == "C" else details.topic_at
        if not when:
            return False
        minutes = (session.now - when) / 60
        if not (minutes < int(value) if kind[1] == "<" else minutes > int(value)):
            return False
    return True
