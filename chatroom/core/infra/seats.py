"""A session's seat: what the back-ends know as one member, and its devices.

Membership, capacity and member lists belong to a user, not to each of its
connections: a signed-in account may be connected from several devices at
once (issue 20), and its rooms must hear one ``JOIN`` and count it once.
So the back-ends never see a door's member: the core's
:class:`~chatroom.core.infra.sessions.Sessions` gives every named session one
:class:`Seat`, the :class:`~chatroom.core.model.member.Member` the back-ends
seat in rooms, and the seat hands each callback on to its devices. A plain
name's seat has one device; an account's up to ``--max-devices``.

A fan-out must cost what it did before devices: a seat whose one device
sees every room the seat is in (most users) delivers through that device's
own ``deliver`` (:meth:`Seat.settle`, :func:`direct`), one attribute read
as before.

Each :class:`Device` says which of the seat's rooms it *views*: every one
if it is ``multi`` (its member's ``views_every_room``: ``/caps multi``, or
an IRC session, which is in many channels at once); else the one room it
entered last (the line protocol's one-room view). A room event reaches the
devices that view its room; an event that names no room reaches every
device.

A seat holds its :class:`Session` (its token, name and account), which
:class:`~chatroom.core.infra.sessions.Sessions` opens, changes and closes: held
in a slot of the seat rather than in a dict of the sessions, it costs a
connection 8 bytes where a dict's entry cost about 70.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chatroom.core.infra.fanout import fan_out, redirected
from chatroom.core.infra.ignoring import NOBODY, held_back, replayed
from chatroom.core.model.byfields import ByFields
from chatroom.core.model.events import (
    Event,
    Joined,
    Listing,
    LobbyChanges,
    RoomEvent,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import Member, MessageWriter
from chatroom.core.model.text import name_key

#: Rooms whose one-room tuples are remembered (see :func:`one_room`).
ONE_ROOM_CACHED = 1024


@lru_cache(maxsize=ONE_ROOM_CACHED)
def one_room(room: str) -> tuple[str, ...]:
    """``(room,)``: one tuple per room, shared by every seat (and IRC
    session) in that room alone, as most are: an idle connection then
    holds no tuple of its own (48 bytes)."""
    return (room,)


def rooms_of(rooms: tuple[str, ...]) -> tuple[str, ...]:
    """``rooms``, shared (:func:`one_room`) if it is one room."""
    return one_room(rooms[0]) if len(rooms) == 1 else rooms


def _nothing(seat: Seat, room: str) -> None:
    """A seat's ``on_removed`` until the core gives it one."""


def direct(member: Member) -> Callable[[Event], None]:
    """What a seat whose one device sees all its rooms delivers through:
    the device's bound ``deliver``. It is an object of 64 bytes per
    connection, but the call is the cheapest Python has for the hot path
    (CPython calls a bound method of a Python function without leaving the
    interpreter loop). A protocol called through its ``__call__`` saved
    the 64 bytes and cost 50 ns more per delivery (131 against 79 ns per
    member in a micro-benchmark of 100 members): 4 % of a delivery under
    load, where one costs the server 1.4 µs (docs/performance.md)."""
    return member.deliver


@dataclass(slots=True, eq=False)
class Device:
    """One connection of a seat: its number (for ``/devices``), when it
    signed in, the room it views when it is not ``multi``, and the keys of
    the seat's rooms it was not shown yet (the rooms its account was put
    back in when it signed in: it sees one once it joins it, as a
    reconnecting client does, ``multi`` or not, so nothing is shown twice)."""

    member: Member
    number: int
    since: float
    room: str | None = None
    hidden: set[str] | None = None

    @property
    def multi(self) -> bool:
        return self.member.views_every_room

    def hide(self, key: str) -> None:
        """Room ``key`` is not shown to this device until it joins it (the
        set is made on first use: most devices never hide a room)."""
        if self.hidden is None:
            self.hidden = set()
        self.hidden.add(key)

    def unhide(self, key: str) -> None:
        if self.hidden:
            self.hidden.discard(key)

    def views(self, room: str) -> bool:
        if self.room == room:
            return True
        if not self.member.views_every_room:
            return False
        return not self.hidden or name_key(room) not in self.hidden


#: A :class:`Session`'s account, account name, away message, metadata and
#: whether its account is a bot, at their defaults (none): most sessions
#: of a crowd.
_NO_RARE: tuple[str, str, str, tuple[tuple[str, str], ...], bool] = (
    "",
    "",
    "",
    (),
    False,
)


class Session(ByFields):
    """One seat's session, from its first claim to its release: its token,
    its name ("" before its first claim), the account it is signed in to
    ("" for none, else its key) and that account's name as it was
    registered (what IRC's ``account-tag`` shows: a key is folded,
    ``morning`` keys as ``moming``), and the realname and away message its
    door gave (an IRC client's ``USER``, ``SETNAME``, ``AWAY``; "" for
    none), which its :class:`~chatroom.core.model.events.Joined` carries, and
    the metadata it keeps for as long as it lasts (key, value pairs:
    :mod:`chatroom.core.accounts.profiles`), and whether the account is a
    bot's (:mod:`chatroom.core.accounts.bots`: everything it says is tagged
    ``bot``). Never changed once made (:meth:`replaced` makes another).

    An account's devices here share their seat's session; a door's session
    (:class:`~chatroom.doors.line.session.LineSession`,
    :class:`~chatroom.doors.irc.session.IRCSession`) is one connection's.

    An idle server holds one per connection, most without an account, an
    away message or metadata: those four are kept in one tuple, made only
    where one is set (:data:`_NO_RARE`), so a session is 64 bytes where a
    slot each made it 96."""

    __slots__ = ("_rare", "name", "realname", "token")

    def __init__(
        self,
        token: str,
        name: str = "",
        account: str = "",
        account_name: str = "",
        realname: str = "",
        away: str = "",
        metadata: tuple[tuple[str, str], ...] = (),
        bot: bool = False,
    ) -> None:
        self.token = token
        self.name = name
        self.realname = realname
        rare = (account, account_name, away, metadata, bot)
        self._rare = None if rare == _NO_RARE else rare

    @property
    def account(self) -> str:
        return "" if self._rare is None else self._rare[0]

    @property
    def account_name(self) -> str:
        return "" if self._rare is None else self._rare[1]

    @property
    def away(self) -> str:
        return "" if self._rare is None else self._rare[2]

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return () if self._rare is None else self._rare[3]

    @property
    def bot(self) -> bool:
        """Whether the account signed in to is a bot's."""
        return self._rare is not None and self._rare[4]

    def _fields(self) -> tuple[object, ...]:
        return (self.token, self.name, self.realname, self._rare or _NO_RARE)

    def __repr__(self) -> str:
        return (
            f"Session(token={self.token!r}, name={self.name!r},"
            f" account={self.account!r}, account_name={self.account_name!r},"
            f" realname={self.realname!r}, away={self.away!r},"
            f" metadata={self.metadata!r}, bot={self.bot!r})"
        )

    def replaced(self, **changes: Any) -> Session:
        """This session with ``changes`` (fields by name)."""
        fields = {
            "name": self.name,
            "account": self.account,
            "account_name": self.account_name,
            "realname": self.realname,
            "away": self.away,
            "metadata": self.metadata,
            "bot": self.bot,
            **changes,
        }
        return Session(self.token, **fields)

    def joined(self, room: str) -> Joined:
        """Its arrival in ``room``, with what each door renders of it."""
        return Joined(
            room,
            self.name,
            account=self.account_name,
            realname=self.realname,
            away=self.away,
        )


class _SeatRare:
    """A :class:`Seat`'s fields that few seats hold for long."""

    __slots__ = ("ignoring", "joining", "more")

    def __init__(self) -> None:
        self.more: dict[Member, Device] | None = None
        self.joining: dict[str, Member] | None = None
        self.ignoring: frozenset[str] = NOBODY


class Seat:
    """The devices of one user on this process, one member of its rooms.

    An idle server holds one seat per connection, so a seat costs what
    one device needs and no more: its one device in a slot of its own
    (most seats never have a second), a dict of devices only from the
    second one on, its rooms in a tuple, and no dict of joining commands
    unless one is under way.
    """

    __slots__ = (
        "__weakref__",
        "_device",
        "_last_number",
        "_rare",
        "deliver",
        "on_removed",
        "rooms",
        "session",
    )

    def __init__(self) -> None:
        #: The seat's one device (None with none, or with several: ``_more``).
        self._device: Device | None = None
        #: What few seats hold for long, and an idle one not at all (more
        #: devices, joins under way, an ignore list): a
        #: :class:`_SeatRare` made on first use and let go once all are
        #: back at their defaults, where a slot each cost every connection
        #: 16 bytes more (:attr:`_more`, :attr:`joining`, :attr:`ignoring`).
        self._rare: _SeatRare | None = None
        #: The seat's rooms (as their events spell them), oldest first.
        self.rooms: tuple[str, ...] = ()
        #: The Member callback for a room event or a private message: the
        #: one device's own ``deliver`` when it views every room of the seat
        #: (:meth:`settle`), else :meth:`deliver_each`.
        self.deliver: Callable[[Event], None] = self.deliver_each
        #: Called with a room taken from the seat (kicked, deleted).
        #: (One callable shared by every seat, given the seat: no object
        #: per connection.)
        self.on_removed: Callable[[Seat, str], None] = _nothing
        self._last_number = 0
        #: Its session while :class:`~chatroom.core.infra.sessions.Sessions` has
        #: it open (None before and after): a slot of 8 bytes, where a dict
        #: from seat to session cost an entry of about 70 per connection.
        self.session: Session | None = None

    def __repr__(self) -> str:
        return f"<Seat {self.name!r} devices={len(self.devices)}>"

    def _set_rare(self, field: str, value: Any) -> None:
        """Set one of :class:`_SeatRare`'s fields (its holder made, or let
        go once every field is back at its default)."""
        rare = self._rare
        if rare is None:
            if value is None or value is NOBODY:
                return
            rare = self._rare = _SeatRare()
        setattr(rare, field, value)
        if rare.more is None and rare.joining is None and rare.ignoring is NOBODY:
            self._rare = None

    @property
    def _more(self) -> dict[Member, Device] | None:
        """Member → device once the seat has more than one, oldest first."""
        rare = self._rare
        return None if rare is None else rare.more

    @_more.setter
    def _more(self, more: dict[Member, Device] | None) -> None:
        self._set_rare("more", more)

    @property
    def joining(self) -> dict[str, Member] | None:
        """Room key → the device whose command is seating us there (it gets
        the join replies whether or not it is ``multi``); made on first use
        and dropped once empty."""
        rare = self._rare
        return None if rare is None else rare.joining

    @joining.setter
    def joining(self, joining: dict[str, Member] | None) -> None:
        self._set_rare("joining", joining)

    @property
    def ignoring(self) -> frozenset[str]:
        """The name keys whose events this seat leaves out (its account's
        ignore list, :mod:`chatroom.core.infra.ignoring`): while it holds any,
        every event goes through :meth:`deliver_each`."""
        rare = self._rare
        return NOBODY if rare is None else rare.ignoring

    @ignoring.setter
    def ignoring(self, names: frozenset[str]) -> None:
        self._set_rare("ignoring", names if names else NOBODY)

    # -- devices ---------------------------------------------------------------

    @property
    def devices(self) -> Mapping[Member, Device]:
        """Member → device, oldest first (read only: :meth:`add`, :meth:`remove`)."""
        if self._more is not None:
            return self._more
        one = self._device
        return {} if one is None else {one.member: one}

    def _each(self) -> Iterable[Device]:
        """The devices, oldest first, without building a mapping."""
        if self._more is not None:
            return self._more.values()
        return () if self._device is None else (self._device,)

    def add(self, member: Member, since: float) -> Device:
        self._last_number += 1
        device = Device(member, self._last_number, since)
        one, more = self._device, self._more
        if more is not None:
            more[member] = device
        elif one is None or one.member is member:
            self._device = device
        else:
            self._more = {one.member: one, member: device}
            self._device = None
        self.settle()
        return device

    def remove(self, member: Member) -> Device | None:
        one, more = self._device, self._more
        device = None
        if more is not None:
            device = more.pop(member, None)
            if len(more) == 1:  # back to one device: no dict
                self._device, self._more = next(iter(more.values())), None
        elif one is not None and one.member is member:
            device, self._device = one, None
        self.settle()
        return device

    def asking(self, room: str, member: Member) -> None:
        """Device ``member``'s command is seating the seat in ``room``."""
        if self.joining is None:
            self.joining = {}
        self.joining[name_key(room)] = member

    def asked(self, room: str) -> Member | None:
        """The device whose command seated the seat in ``room``, if any (forgotten)."""
        joining = self.joining
        if not joining:
            return None
        member = joining.pop(name_key(room), None)
        if not joining:
            self.joining = None
        return member

    def settle(self) -> None:
        """After a change of devices, rooms or views: whether events may
        go straight to the one device."""
        deliver: Callable[[Event], None] = self.deliver_each
        device = self._device
        if device is not None and not self.ignoring:
            every = device.multi and not device.hidden
            if every or all(device.views(room) for room in self.rooms):
                deliver = direct(device.member)
        if deliver == self.deliver:
            # The same callback: keep the object the rooms' kept lists hold
            # (each reading of a bound method is a new one of 64 bytes, and
            # a seat is settled again on every join).
            return
        if self.deliver != self.deliver_each:
            # The rooms' kept lists hold the one device's deliver, which is
            # now wrong. Not from deliver_each: it is right for any devices
            # (only slower), and every sign-in settles a new seat from it,
            # which would make every room read its members again.
            redirected()
        self.deliver = deliver

    def find(self, room: str) -> str | None:
        """The seat's room called ``room`` (by any spelling), if it is in it."""
        key = name_key(room)
        return next((name for name in self.rooms if name_key(name) == key), None)

    def viewers(self, room: str, but: Member | None = None) -> list[Device]:
        """The devices that view ``room`` (``but`` one)."""
        return [
            device
            for device in self._each()
            if device.member is not but and device.views(room)
        ]

    def others(self, member: Member) -> list[Member]:
        """Every device but ``member``."""
        return [d.member for d in self._each() if d.member is not member]

    def left(self, room: str) -> None:
        """The seat is out of ``room``; no device views it any more."""
        if room in self.rooms:
            self.rooms = rooms_of(tuple(name for name in self.rooms if name != room))
        for device in self._each():
            if device.room == room:
                device.room = None
        self.settle()

    # -- the Member the back-ends know -------------------------------------------

    @property
    def door(self) -> str:
        first = next(iter(self._each()), None)
        return first.member.door if first is not None else "line"

    @property
    def name(self) -> str | None:
        first = next(iter(self._each()), None)
        return first.member.name if first is not None else None

    def message_writer(self) -> MessageWriter | None:
        """The one device's, while the seat delivers straight to it."""
        device = self._device
        if device is None or self.deliver == self.deliver_each:
            return None
        return device.member.message_writer()

    def ignore(self, names: frozenset[str]) -> None:
        """The seat's account now ignores ``names`` (name keys)."""
        self.ignoring = names
        self.settle()

    def deliver_each(self, event: Event) -> None:
        """``event`` to each device that views its room (every device, if
        it is not a :class:`~chatroom.core.model.events.RoomEvent`); nothing of
        an ignored sender."""
        if self.ignoring and held_back(self.ignoring, event):
            return
        if not isinstance(event, RoomEvent):
            fan_out([device.member for device in self._each()], event)
            return
        room = event.room
        fan_out([d.member for d in self._each() if d.views(room)], event)

    def entered(self, welcome: Welcome) -> None:
        """The seat is in ``welcome.room``: the device that asked and every
        ``multi`` device get the join replies."""
        room = welcome.room
        welcome = replayed(self.ignoring, welcome)
        if room not in self.rooms:
            self.rooms = (*self.rooms, room) if self.rooms else one_room(room)
        asker = self.asked(room)
        for device in list(self._each()):
            if device.member is asker:
                if not device.multi:
                    device.room = room
                device.member.entered(welcome)
            elif device.views(room):  # multi, and not hidden
                device.member.entered(welcome)
        self.settle()

    def removed(self, room: str, listing: Listing | None) -> None:
        """``room`` was taken from the seat (deleted, kicked): every device
        that viewed it hears so."""
        viewers = self.viewers(room)
        self.left(room)
        self.on_removed(self, room)
        for device in viewers:
            device.member.removed(room, listing)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        """The seat's room is called ``renamed.new``: its devices view it
        under that name (a device not shown it yet still is not), and each
        that viewed it hears so."""
        old, new = renamed.room, renamed.new
        viewers = self.viewers(old)
        if old in self.rooms:
            self.rooms = rooms_of(tuple(new if r == old else r for r in self.rooms))
        old_key, new_key = name_key(old), name_key(new)
        for device in self._each():
            if device.room == old:
                device.room = new
            if device.hidden and old_key in device.hidden:
                device.hidden.discard(old_key)
                device.hidden.add(new_key)
        self.settle()
        for device in viewers:
            device.member.room_renamed(renamed)

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """Never watched: each device watches the lobby for itself."""

    #: The seat is in every room it is in (each device says what it views).
    views_every_room = True
    #: Never read: each device says how it draws its rooms.
    starts_blank = False

    def shown_marker(self, room: str, marker: int | None) -> None:
        """Never called: the core tells each device that was shown a room."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """Never called: the core tells each device that viewed the room."""

    def disconnect(self, reason: str) -> None:
        for device in list(self._each()):
            device.member.disconnect(reason)
