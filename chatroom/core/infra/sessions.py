"""Who each connected member is: its name, its account and its session token.

:class:`Sessions` is the one record of a process's sessions. Only the core
writes it, once per change: :class:`chatroom.core.chat.ChatCore` opens a
session on its first claim, renames it, signs it in or out, and closes it
on release; the presence service
(:class:`~chatroom.core.services.presence.PresenceService`) describes it
(realname, away). Doors read it (the registry's ``sessions``: which
account a member is signed in to), and so do back-ends (the in-process one
to find a member's account, the Redis one to route a node-channel message
to a token); neither writes it.

Every session is a :class:`~chatroom.core.infra.seats.Seat`: what the back-ends
seat in rooms and key their records by. The members the doors call the
core with are its devices; :meth:`Sessions.seat_of` is the one place a
device is mapped to its seat (an account's devices share one).

A token names one session, unique over time and, in a cluster, over the
nodes: ``namespace:prefix.number``, where ``namespace`` is the node's id
(``local`` alone) and ``prefix`` is new with each process, so a grant a
room keeps for a plain name's session (operator, invitation) never matches
a session of a later run.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from chatroom.core.infra.seats import Seat, Session
from chatroom.core.model.events import (
    Event,
    LockdownChanged,
    ReportClosed,
    ReportFiled,
)
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.text import account_mask, name_key, name_mask


def _masks(session: Session) -> tuple[str, ...]:
    """The grant masks a session answers to (:mod:`chatroom.core.policy.moderation`):
    its account's, its name's in this session, and its name's."""
    key = name_key(session.name)
    by_name = (name_mask(key), f"{name_mask(key)}@{session.token}")
    return (account_mask(session.account), *by_name) if session.account else by_name


class Sessions:
    """This node's sessions: device → seat, and token → seat; a seat
    holds its :class:`Session` (``Seat.session``).

    Every lookup takes a seat or one of its devices."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._prefix = secrets.token_hex(4)
        self._numbers = itertools.count(1)
        #: Token → seat, in the order the sessions were opened.
        self._by_token: dict[str, Seat] = {}
        self._seats: dict[Member, Seat] = {}
        #: Account key → the seat signed in to it under its own name here.
        self._accounts: dict[str, Seat] = {}
        #: A named session's name key → its account's name, for who says
        #: what (IRC's ``account-tag``, ``extended-join``).
        self._account_names: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._by_token)

    def __contains__(self, member: object) -> bool:
        if member.__class__ is Seat:  # (a class test that calls nothing)
            return member.session is not None
        return member in self._seats

    def seat_of(self, member: Member) -> Seat | None:
        """The seat of a device (or the seat itself); None if it has none."""
        seat = self._seats.get(member)  # a device: the doors' usual call
        if seat is None and member.__class__ is Seat:
            return member if member.session is not None else None
        return seat

    def account_seat(self, account: str) -> Seat | None:
        """The seat here signed in to ``account`` under the account's name."""
        return self._accounts.get(account)

    def get(self, member: Member) -> Session | None:
        if member.__class__ is Seat:  # most callers have the seat
            return member.session
        seat = self._seats.get(member)
        return None if seat is None else seat.session

    def __getitem__(self, member: Member) -> Session:
        session = self.get(member)
        if session is None:
            raise KeyError(member)
        return session

    def by_token(self, token: str) -> Member | None:
        return self._by_token.get(token)

    def named(self) -> Iterator[tuple[Member, Session]]:
        """Every session that has a name, in the order they were opened."""
        for seat in list(self._by_token.values()):
            session = seat.session
            if session is not None and session.name:
                yield seat, session

    def addressed(self, event: Event) -> list[Member]:
        """The named members an event for everyone is handed to: every
        one, but an admins' notice (:class:`LockdownChanged`) only those
        signed in to one of the accounts it names."""
        if isinstance(event, LockdownChanged):
            admins = event.admins
            return [m for m, s in self.named() if s.account and s.account in admins]
        if isinstance(event, ReportFiled | ReportClosed):
            masks = frozenset(event.to)
            return [m for m, s in self.named() if masks.intersection(_masks(s))]
        return [member for member, _ in self.named()]

    def ignoring_changed(self, account: str, names: frozenset[str]) -> None:
        """Account ``account`` now ignores ``names``: each of its seats
        here leaves out what they say (:mod:`chatroom.core.infra.ignoring`)."""
        for member, session in list(self.named()):
            if session.account == account:
                seat = self.seat_of(member)
                if seat is not None:
                    seat.ignore(names)

    def account_of(self, member: Member) -> str:
        session = self.get(member)
        return session.account if session is not None else ""

    def account_named(self, name: str) -> str:
        """The account name of this process's session called ``name`` ("" for
        none, or a plain name)."""
        return self._account_names.get(name_key(name), "")

    # -- written by the core only ------------------------------------------------

    def open(
        self,
        member: Member,
        since: float = 0.0,
        taken: Callable[[Seat, str], None] | None = None,
    ) -> Session:
        """``member``'s session, opened (a seat with it as its one device,
        given its token) if it has none; ``taken(seat, room)``: the seat's
        ``on_removed``."""
        session = self.get(member)
        if session is None:
            number = next(self._numbers)
            session = Session(f"{self.namespace}:{self._prefix}.{number}")
            seat = Seat()
            if taken is not None:
                seat.on_removed = taken
            seat.add(member, since)
            seat.session = session
            self._seats[member] = seat
            self._by_token[session.token] = seat
        return session

    def attach(self, seat: Seat, member: Member, since: float) -> None:
        """``member`` is one more device of ``seat``."""
        seat.add(member, since)
        self._seats[member] = seat

    def detach(self, member: Member) -> Seat | None:
        """Device ``member`` leaves its seat; returns the seat (None: it had none)."""
        seat = self._seats.pop(member, None)
        if seat is not None:
            seat.remove(member)
        return seat

    def update(
        self,
        member: Member,
        name: str | None = None,
        account: str | None = None,
        account_name: str | None = None,
        bot: bool | None = None,
    ) -> None:
        """A new name or account (None: unchanged) for an open session;
        ``account_name`` the new account's registered name (its key if not
        given; "" with no account); ``bot`` whether that account is a bot's
        (False if not given with a new account)."""
        seat = self.seat_of(member)
        session = seat.session if seat is not None else None
        if seat is None or session is None:
            return  # released meanwhile
        if self._accounts.get(session.account) is seat:
            del self._accounts[session.account]
        if session.name:
            self._account_names.pop(name_key(session.name), None)
        changes: dict[str, Any] = {}  # one replace: a sign-on's path
        if name is not None:
            changes["name"] = name
        if account is not None and account != session.account:
            shown = account_name if account_name is not None else account
            changes.update(account=account, account_name=shown, bot=bool(bot))
        elif account_name is not None:
            changes["account_name"] = account_name
        if bot is not None and "bot" not in changes:
            changes["bot"] = bot
        if not changes.get("account", session.account):
            changes["account_name"] = ""
            changes["bot"] = False
        if changes:
            session = session.replaced(**changes)
        seat.session = session
        if session.account and name_key(session.name) == session.account:
            self._accounts.setdefault(session.account, seat)
        if session.name and session.account_name:
            self._account_names[name_key(session.name)] = session.account_name

    def describe(
        self,
        member: Member,
        realname: str | None = None,
        away: str | None = None,
        metadata: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        """The realname or away message its door now gives an open session,
        or the metadata it keeps (None: unchanged)."""
        seat = self.seat_of(member)
        session = seat.session if seat is not None else None
        if seat is None or session is None:
            return  # released meanwhile
        changes: dict[str, Any] = {}  # one replace
        if realname is not None:
            changes["realname"] = realname
        if away is not None:
            changes["away"] = away
        if metadata is not None:
            changes["metadata"] = metadata
        if changes:
            seat.session = session.replaced(**changes)

    def close(self, member: Member) -> Session | None:
        """Forget the session of ``member`` (a seat or a device) and every
        device of it; returns it (None if there was none)."""
        seat = self.seat_of(member)
        session = seat.session if seat is not None else None
        if seat is None or session is None:
            return None
        seat.session = None
        self._by_token.pop(session.token, None)
        if self._accounts.get(session.account) is seat:
            del self._accounts[session.account]
        if session.name:
            self._account_names.pop(name_key(session.name), None)
        for device in list(seat.devices):
            if self._seats.get(device) is seat:
                del self._seats[device]
        return session


async def connected_elsewhere(
    sessions: Sessions,
    find_user: Callable[[str], Awaitable[Target | None]],
    account: str,
) -> bool:
    """Whether ``account`` is online but not here: on another node of the
    cluster (``find_user``'s, which reads every node's names; a single
    server has every session here). Web Push and the mail for what was
    missed leave such an account alone: how active a device is is known
    only to its own node."""
    if sessions.account_seat(account) is not None:
        return False
    found = await find_user(account)
    return found is not None and found.online
