"""Who may do what: every policy decision, once, for every registry and door.

Moderation (owners, operators, bans, keys, who may delete a room or set its
topic) is :mod:`chatroom.core.policy.moderation`; accounts are
:mod:`chatroom.core.accounts.accounts`.

Each rule is a plain function over plain facts, raising the refusal from
:mod:`chatroom.core.model.errors`. The in-process registry calls them on its own
state; the Redis registry calls them on facts it read from Redis and then
applies the change with a script that only checks those facts still hold
(see :mod:`chatroom.backends.redis.scripts`). So a rule is written, and changed,
in exactly one place.

Limits that racing nodes could otherwise overrun between a check and a
change (a name's uniqueness, a room's capacity, the number of rooms) are
enforced where the seat is taken: by the in-process registry in one call,
and inside the Redis script that takes it. Their values and their refusals
still come from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from chatroom.core.model import errors
from chatroom.core.model.bridged import is_matrix_user_name
from chatroom.core.model.events import Listing
from chatroom.core.model.facts import RoomFacts
from chatroom.core.model.text import (
    TOPIC_MAX_LENGTH,
    has_control_characters,
    is_valid_name,
    name_key,
)
from chatroom.core.policy.userdata import DELETED_USER

#: Names IRC clients expect to be services (their passwords go to
#: ``NickServ``): reserved at every door, in any case.
SERVICE_NAMES = (
    "NickServ",
    "ChanServ",
    "Global",
    "OperServ",
    "MemoServ",
    "HostServ",
    "BotServ",
    "SaslServ",
)
#: Names nobody may hold: the services', and the author of a deleted
#: account's anonymised messages (chatroom.core.policy.userdata.DELETED_USER).
_RESERVED = frozenset(name_key(name) for name in (*SERVICE_NAMES, DELETED_USER))
#: Whoever a listing is for (a registry's member).
M = TypeVar("M")


def is_service_name(name: str) -> bool:
    return name_key(name) in _RESERVED


def check_name(name: str) -> None:
    """A user name: 1-32 letters, digits, ``_``, ``-`` or ``.``, and not a
    services name (:data:`SERVICE_NAMES`)."""
    if not is_valid_name(name):
        raise errors.bad_name()
    if is_service_name(name):
        raise errors.reserved_name(name)


def check_bridged_name(name: str) -> None:
    """A bridged member's name: a Matrix user id without its ``@``
    (``bob:example.org``), which no door's user can claim."""
    if not is_matrix_user_name(name):
        raise errors.bad_name()


def check_claim(
    name: str, registered: bool, account: str, banned: bool, require_account: bool
) -> None:
    """May a user signed in to ``account`` ("" for none) take ``name``?

    A registered name is its account's only; a server ban on the name or the
    account refuses it; ``--require-account`` refuses users not signed in.
    """
    if banned:
        raise errors.banned_from_server()
    if registered and account != name_key(name):
        raise errors.name_registered(name)
    if require_account and not account:
        raise errors.account_required()


def check_room_name(name: str) -> None:
    """A room name follows the same rule as user names."""
    if not is_valid_name(name):
        raise errors.bad_room_name()


def check_text(text: str) -> None:
    """Refuse text that would reach other users' terminals as controls."""
    if has_control_characters(text):
        raise errors.bad_text()


#: The reason of a kick or a kill whose giver gave none (or none that can
#: be shown).
NO_REASON = "no reason given"
#: The words of a quit that said none.
QUIT_WORDS = "Goodbye"


def reason(given: str, default: str = "") -> str:
    """The reason others are shown for a part, a quit, a kick, a kill or a
    deletion: ``given``, or ``default`` when it is empty or holds a control
    character (which :func:`check_text` refuses in a message).

    A reason goes with something a user does, and is never why it is not
    done: one that cannot be shown is dropped, as if none was given (IRC
    clients put formatting in reasons as a matter of course; the IRC door
    strips IRC's formatting codes first, as it does from messages)."""
    if not given or has_control_characters(given):
        return default
    return given


#: The longest realname (IRC's ``SETNAME``; ``NAMELEN`` of other servers).
REALNAME_MAX_LENGTH = 100


def check_realname(realname: str) -> None:
    """A realname others are shown: safe text of at most
    :data:`REALNAME_MAX_LENGTH` characters."""
    check_text(realname)
    if len(realname) > REALNAME_MAX_LENGTH:
        raise errors.bad_args(f"a realname is at most {REALNAME_MAX_LENGTH} characters")


def check_topic(topic: str) -> None:
    """A topic is safe text of at most ``TOPIC_MAX_LENGTH`` characters."""
    check_text(topic)
    if len(topic) > TOPIC_MAX_LENGTH:
        raise errors.topic_too_long()


def is_full(members: int, capacity: int) -> bool:
    """Whether a room with ``members`` has no place for one more."""
    return members >= capacity


def check_space(room: RoomFacts) -> None:
    """Refuse to seat one more member in a full room."""
    if is_full(room.members, room.capacity):
        raise errors.room_full(room.name, room.capacity)


def check_room_count(rooms: int, limit: int) -> None:
    """Refuse a new room when the server has ``--max-rooms``."""
    if rooms >= limit:
        raise errors.too_many_rooms(limit)


#: The most rooms one user is in at once, over all its devices (IRC's
#: ``CHANLIMIT``): a client in more would be shown more rooms than the
#: channels a server says it may join, and a user joining room after room
#: costs every one of them a member to fan out to.
ROOMS_PER_USER = 50


def check_rooms_joined(rooms: int) -> None:
    """Refuse one more room to a user in ``rooms`` rooms, which stays in
    none it leaves for it, when that is :data:`ROOMS_PER_USER` already."""
    if rooms >= ROOMS_PER_USER:
        raise errors.too_many_joined(ROOMS_PER_USER)


#: The most events one ``/history`` may ask for.
HISTORY_PAGE_MAX = 200


def check_history_count(count: int) -> None:
    """``/history N``: N is 1 to :data:`HISTORY_PAGE_MAX`."""
    if not 1 <= count <= HISTORY_PAGE_MAX:
        raise errors.history_count(HISTORY_PAGE_MAX)


@dataclass(frozen=True)
class CatchUp:
    """What a member resuming from an event id is sent.

    ``start``: the first id replayed (every kept event from it to the newest
    follows); ``gap``: "" if nothing is left out, else the number of events
    left out, or "?" if that is unknown (the id is older than what is kept,
    or newer than anything this room has had).
    """

    start: int
    gap: str


def catch_up(since: int, first: int, last: int, bound: int) -> CatchUp:
    """Where a resume from ``since`` starts, in a room whose kept events
    are ``first``..``last`` (ids are consecutive within a room), replaying
    at most ``bound``.

    A join decides with it where its reply's window starts (the core's
    operands and premise, :func:`chatroom.core.rooms.entries.resumed`), and the
    join reply its gap (:func:`chatroom.core.rooms.membership.welcome`).
    """
    newest = max(first, last - bound + 1)
    if since > last or since < first - 1:
        return CatchUp(newest, "?")
    missed = last - since
    if missed > bound:
        return CatchUp(newest, str(missed - bound))
    return CatchUp(since + 1, "")


#: Events before an account's read marker that a catch-up from it shows
#: too, to a device that draws its rooms afresh (:func:`from_marker`).
BEFORE_MARKER = 20


def from_marker(marker: int | None, starts_blank: bool) -> int | None:
    """Where a catch-up from an account's read marker ``marker`` (None:
    it has none there, and the device is shown the room's last
    ``--history``) resumes, for a device that ``starts_blank`` (a page, a
    terminal client) or not (an IRC client, which keeps its log and is
    sent what came after the marker only).

    A device that draws a room from nothing would otherwise draw a room
    read to its end empty, and one with news without what the news
    answers: it is shown the :data:`BEFORE_MARKER` events before the
    marker as well as every one after it (at most ``--resume-bound`` in
    all, :func:`catch_up`), so at least the room's 20 newest when nothing
    is unread. ``READ ROOM ID`` after the replies still says where the
    marker is, for the client's *new messages* divider."""
    if marker is None or not starts_blank:
        return marker
    return max(0, marker - BEFORE_MARKER)


def oldest_kept(age: float, now: float) -> float:
    """The oldest time a room keeps events from once one is appended at
    ``now`` (Unix seconds; 0: kept whatever their age), with
    ``--retention-age`` ``age``: every stored event said before it goes,
    of every kind (a topic change, a reaction, an edit as much as a
    message), and none said since. The back-ends apply it as the
    :class:`~chatroom.core.model.changes.messages.Append` operand ``oldest``."""
    return now - age if age else 0.0


def listed_for(
    listing: Listing, place: Callable[[M, str], object], member: M | None
) -> Listing:
    """The rooms ``member`` sees listed: all but the secret ones
    (``/set secret on``) it is not in; ``place(member, room)`` raises for a
    room it is not in. Everything for ``member`` None (the server's own
    questions)."""
    if member is None or not any([info.secret for info in listing.rooms]):
        return listing

    def sees(room: str) -> bool:
        try:
            place(member, room)
        except errors.ChatError:
            return False
        return True

    return listing.keeping(lambda info: not info.secret or sees(info.name))


def heir_of(devices: Iterable[str]) -> str:
    """Of the sessions by which a name's devices on other nodes hold it
    (their tokens), the one that holds it once its own session ends ("":
    none holds it, and it is free): the first in order. Any of them would
    do: one rule, so that two nodes releasing the name at once hand it to
    the same device."""
    return min(devices, default="")
