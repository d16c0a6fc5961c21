"""Presence: away and realname, who is online, ``WHOWAS``, ``MONITOR``, ``LUSERS``.

News of a user (away, back, a new realname) is told once to everyone who
shares a room with it and to whoever watches its name, on every node
(:mod:`chatroom.core.server.watching`); what the doors show of users on other
nodes (:mod:`chatroom.core.model.presence`), the nicks gone
(:mod:`chatroom.core.model.whowas`) and the connections counted
(:mod:`chatroom.core.server.census`) are kept by the back-end for every node.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.profiles import Profiles
from chatroom.core.infra.applying import Applies
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.server import NameHolders, RememberGone
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import AwayChanged, Event, RealnameChanged, Sighting
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.model.whowas import Departed
from chatroom.core.policy import rules
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.server.census import Census
from chatroom.core.server.store import ServerStore
from chatroom.core.server.watching import Listener, tell_watchers
from chatroom.core.services.identities import Identities


class PresenceService:
    """Who is online, as what, and who was; and how people show themselves
    (their profiles, :attr:`profiles`)."""

    def __init__(
        self,
        rooms: RoomStore,
        server: ServerStore,
        settings: SettingStore,
        bus: Bus,
        apply: Applies,
        identities: Identities,
        files: FileService | None,
    ) -> None:
        """Args:
        rooms: the rooms a user is in (whose members hear its news).
        server: who is online on every node, and as what; who was.
        settings: the accounts' profiles.
        bus: tells a user's news, publishes this node's presence and census.
        apply: the back-end's one write (a nick gone, a profile changed).
        files: the uploads (``--files``) an avatar must be one of.
        """
        self.rooms = rooms
        self.server = server
        self.bus = bus
        self.apply = apply
        self.identities = identities
        self.sessions = identities.sessions
        #: This process's connections, as its doors' server last counted
        #: them (:meth:`count_here`).
        self.here = Census()
        #: /profile, METADATA: display names, avatars...
        #: (chatroom.core.accounts.profiles).
        self.profiles = Profiles(
            settings,
            apply,
            identities.session,
            files,
            self._tell_neighbours,
            identities.sessions,
            server.presence,
            bus.publish_metadata,
            server.find_user,
        )

    async def set_away(self, member: Member, message: str) -> None:
        """The member is away, saying ``message`` ("": back): everyone who
        shares a room with it hears so, once (IRC's ``away-notify``)."""
        session = self.identities.session(member)
        self.sessions.describe(member, away=message)  # its next JOINs carry it
        await self._tell_neighbours(member, AwayChanged(session.name, message))
        await self._tell_watchers(member, Sighting.AWAY, message)

    async def set_realname(self, member: Member, realname: str) -> None:
        """The member's realname is now ``realname`` (IRC's ``SETNAME``):
        everyone who shares a room with it hears so, once.

        Raises:
            ChatError: ``BAD_TEXT``, ``BAD_ARGS`` (over 100 characters).
        """
        rules.check_realname(realname)
        session = self.identities.session(member)
        self.sessions.describe(member, realname=realname)
        await self._tell_neighbours(member, RealnameChanged(session.name, realname))
        await self._tell_watchers(member, Sighting.REALNAME, realname)

    async def set_presence(self, member: Member, facts: Presence) -> None:
        """The member's door facts (``USER`` name, realname, away, ``+B``,
        ``+i``) are now ``facts``, for the other nodes' ``WHO`` and
        ``WHOIS`` (:mod:`chatroom.core.model.presence`; nothing in one process):
        kept under its name while its seat holds it; its realname and away
        message go with its joins from now on
        (:meth:`chatroom.core.infra.seats.Session.joined`)."""
        seat = self.identities.seat(member)
        self.sessions.describe(seat, facts.realname, facts.away)  # for its JOINs
        session = self.identities.session(seat)
        await self.bus.publish_presence(name_key(session.name), session.token, facts)

    async def names_online(self) -> list[str]:
        """Every name held now, by a user of any door on any node, as shown
        (``WHO`` with a mask): one read of all the names at once."""
        return await self.server.names_online()

    async def presence_of(self, names: Sequence[str]) -> dict[str, Presence]:
        """The presence of those ``names`` online that a door gave one
        (by name key): one read for all, never a scan of every user."""
        return await self.server.presence.read([name_key(name) for name in names])

    async def remember_gone(self, gone: Departed) -> None:
        """A user quit or changed its nick: ``gone`` is what the nick was,
        for ``WHOWAS`` on every node (:mod:`chatroom.core.model.whowas`)."""
        remembered = RememberGone(gone)
        change = DecidedChange(NameHolders(name_key(gone.nick)), (), (remembered,))
        await self.apply(change)

    async def who_was(self, name: str, count: int) -> list[Departed]:
        """Up to ``count`` past holders of ``name``, newest first."""
        return await self.server.whowas.recall(name_key(name), count)

    async def follow_names(self, listener: Listener, following: bool) -> None:
        """``listener`` hears (``following``), or no more, every
        :class:`~chatroom.core.model.events.Watched`: a name coming online or
        going offline, at any door on any node, and its user's away,
        realname and account news (:mod:`chatroom.core.server.watching`); returns
        once it will. IRC's ``MONITOR`` follows while it has watchers."""
        await self.server.watching.follow(listener, following)

    async def count_here(self, here: Census) -> None:
        """This process's connections are now ``here`` (its doors' server
        says so at each change): :meth:`census` counts them here at once,
        and on every node once this returns."""
        self.here = here
        await self.bus.publish_census(here)

    async def census(self) -> Census:
        """The connections of the whole server (every node of a cluster),
        this process's being as :meth:`count_here` last said: IRC's
        ``LUSERS`` (:mod:`chatroom.core.server.census`)."""
        return await self.server.census.total(self.here)

    async def _tell_neighbours(self, member: Member, event: Event) -> None:
        """News of a user to everyone who shares a room with it (not to its
        own seat), at most once each: told if it can be (it is news, not a
        command that failed), as :func:`chatroom.core.services.accountnews.tell_rooms`
        tells an account."""
        seat = self.identities.seat(member)
        with contextlib.suppress(ChatError):
            await self.bus.tell_neighbours(
                seat, self.identities.session(seat), event, including_self=False
            )

    async def _tell_watchers(
        self, member: Member, sighting: Sighting, value: str
    ) -> None:
        """News of a user to whoever watches its name, on every node (its
        rooms' members had it from :meth:`_tell_neighbours`)."""
        seat = self.identities.seat(member)
        session = self.sessions.get(seat)
        if session is not None and session.name:
            rooms = self.rooms.rooms_of(seat)
            await tell_watchers(
                self.bus.tell_watchers, session.name, sighting, value, rooms
            )
