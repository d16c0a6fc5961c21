"""Lobby watchers (``/watch on``): room-list changes pushed, batched per tick.

Both registries use one :class:`LobbyWatchers`: they report each room
whose listing changed, and once per ``interval`` the batch is resolved into
current entries (by the registry, from memory or from Redis) and handed to
every watcher as one :class:`~chatroom.core.model.events.LobbyChanges`, so a burst of
joins costs a watcher one line per room, not one per join. A rename goes
in the next batch as its members heard it, ahead of the entries. The
entries are those of the lobby's list (:meth:`.LobbyList.watched`),
which follows what was shown while anyone watches.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from twisted.internet import defer
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.core.model.events import LobbyChanges, RoomRenamed
from chatroom.core.model.member import Member
from chatroom.core.rooms.lobby_list import LobbyList

#: Turns {room key: room name} into the current entries of those rooms.
Resolver = Callable[[dict[str, str]], Coroutine[Any, Any, LobbyChanges]]


class LobbyWatchers:
    """Who watches the lobby, and which rooms changed since the last push."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        interval: float,
        resolve: Resolver,
        lobby_list: LobbyList,
    ) -> None:
        self.clock = clock
        self.interval = interval
        self.members: set[Member] = set()
        #: The lobby's list, which follows what it shows while anyone watches.
        self.lobby_list = lobby_list
        self._resolve = resolve
        self._changed: dict[str, str] = {}
        self._renamed: list[RoomRenamed] = []
        self._push: IDelayedCall | None = None
        self._stopped = False

    def watch(self, member: Member, watching: bool) -> None:
        if watching:
            self.members.add(member)
        else:
            self.members.discard(member)
        self.lobby_list.watching(bool(self.members))

    def changed(self, key: str, name: str) -> None:
        """Room ``key`` (shown as ``name``) changed; watchers hear within a tick."""
        if not self.members or self._stopped:
            return
        self._changed[key] = name
        if self._push is None:
            self._push = self.clock.callLater(self.interval, self._push_changes)

    def renamed(self, renamed: RoomRenamed) -> None:
        """A room was renamed (its entries change too: :meth:`changed`);
        watchers hear it within a tick."""
        if not self.members or self._stopped:
            return
        self._renamed.append(renamed)

    def stop(self) -> None:
        """No more pushes (shutdown)."""
        self._stopped = True
        if self._push is not None and self._push.active():
            self._push.cancel()
        self._push = None

    def _push_changes(self) -> None:
        self._push = None
        changed, self._changed = self._changed, {}
        renamed, self._renamed = self._renamed, []
        if not changed:
            return
        pushing = defer.ensureDeferred(self._resolve(changed))

        def push(changes: LobbyChanges) -> None:
            if renamed:
                changes = LobbyChanges([*renamed, *changes.changes])
            for watcher in self.members:
                watcher.lobby_changed(changes)

        pushing.addCallbacks(push, lambda failure: None)
