"""Who a door's member is, as every service of the core sees it.

A door calls the core with its own member (one connection); the rules see
the session's seat (shared by an account's devices), its session (name,
account, token) and the actor giving the command (with its standing from
``--admins``). :class:`Identities` is the one place each is derived, for
all the services.
"""

from __future__ import annotations

from chatroom.core.accounts.push import Activity
from chatroom.core.infra.ignoring import NOBODY
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import errors
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.member import Member
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms.store import RoomStore


class Identities:
    """A door's member as a seat, a session, an actor, and its rooms."""

    def __init__(
        self,
        config: ServerConfig,
        sessions: Sessions,
        rooms: RoomStore,
        activity: Activity,
    ) -> None:
        #: The configuration in force: who is an admin is read from it at
        #: each command, so a reload takes effect at the next.
        self.config = config
        self.sessions = sessions
        self.rooms = rooms
        #: When each account was last active: a session asked for is a
        #: device that did something (Web Push waits for it to be idle).
        self.activity = activity

    def actor(self, member: Member) -> Actor:
        """``member`` as the rules see the user giving a command: its
        session's name, account and token, and its standing, an admin's if
        the configuration in force names its account (``--admins``: a
        reload counts from the next command)."""
        session = self.sessions[member]
        return Actor(
            session.name,
            session.account,
            session.token,
            session.account in self.config.admin_accounts,
            session.account_name,
        )

    def admins(self) -> frozenset[str]:
        """The accounts of the server's admins, as the configuration in
        force names them (``--admins``: a reload counts from now on)."""
        return self.config.admin_accounts

    def seat(self, member: Member) -> Member:
        """What the back-end knows ``member`` (a door's) as: its session's
        seat, shared by an account's devices (itself if it has none)."""
        return self.sessions.seat_of(member) or member

    def device_number(self, member: Member) -> int:
        """The number of ``member``'s device in its seat (``/devices``'), 0
        if it has none: the one connection a call's signal is for."""
        seat = self.sessions.seat_of(member)
        device = seat.devices.get(member) if seat is not None else None
        return device.number if device is not None else 0

    def ignoring(self, member: Member) -> frozenset[str]:
        """The name keys ``member``'s account ignores, as its seat holds
        them (:mod:`chatroom.core.infra.ignoring`)."""
        seat = self.sessions.seat_of(member)
        return seat.ignoring if seat is not None else NOBODY

    def joined_room(self, member: Member, room: str) -> str:
        """The room ``member`` is in by that name (``NOT_IN_ROOM``)."""
        return self.rooms.joined_room(self.seat(member), room)

    def session(self, member: Member) -> Session:
        """The member's session, which is active now (a device did
        something: Web Push waits for it to be idle again)."""
        session = self.sessions.get(member)
        if session is None or not session.name:
            raise errors.not_in_room()  # gone meanwhile: nobody to answer
        self.activity.active(session.account)  # a device did something
        return session
