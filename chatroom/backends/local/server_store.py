"""The server of one process: who holds which name, and nothing elsewhere.

:class:`LocalServer` is the in-process back-end's
:class:`~chatroom.core.server.store.ServerStore`: the members holding each
name here (the only names there are), the nicks gone (``WHOWAS``), and the
parts a cluster shares between nodes, each answering that there is no other
node (:class:`~chatroom.backends.local.other_nodes.NoOtherNodes`,
:class:`~chatroom.backends.local.other_nodes.NoPresence`,
:class:`~chatroom.core.server.census.OneProcess`).
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.other_nodes import NoOtherNodes, NoPresence
from chatroom.backends.local.records import Store
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.streams import LocalStreams
from chatroom.backends.local.whowas import MemoryWhowas
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.server.census import OneProcess
from chatroom.core.server.watching import LocalWatching


class LocalServer:
    """The names held in this process, read by the core."""

    def __init__(
        self, sessions: Sessions, accounts: StoredAccounts, store: Store
    ) -> None:
        """Args:
        sessions: the core's sessions, which say what each member is.
        accounts: the registered names (a user not connected).
        store: what a backup copies.
        """
        self.sessions = sessions
        self.accounts = accounts
        self.store = store
        #: Name key → the member (a seat) holding it.
        self.users: dict[str, Member] = {}
        self.other_nodes = NoOtherNodes()
        self.presence = NoPresence()
        self.whowas = MemoryWhowas()
        #: Names coming and going, for the doors' watchers (MONITOR).
        self.watching = LocalWatching()
        self.census = OneProcess()
        #: The bots' event streams open in this process.
        self.streams = LocalStreams()

    async def find_user(self, name: str) -> Target | None:
        return self.target(name)

    async def names_online(self) -> list[str]:
        return [session.name for _, session in self.sessions.named()]

    async def backup(self, path: str) -> None:
        await self.store.backup(path)

    def target(self, name: str, room: Room | None = None) -> Target | None:
        """The user called ``name``: connected, or (if not) a registered
        name; whether it is in ``room``, if given."""
        member = self.users.get(name_key(name))
        session = self.sessions.get(member) if member is not None else None
        if member is None or session is None:
            account = self.accounts.by_key.get(name_key(name))
            return Target(account.name, account.key) if account else None
        here = room is not None and member in room.members
        return Target(session.name, session.account, session.token, here)
