"""The lobby's list: the rooms a user is shown on entering the lobby.

Every sign-in enters the lobby, and so does everyone who leaves their last
room or is put out of it. Sending each of them every room makes a sign-in
cost the server's whole list: 10,000 ``ROOM`` lines (400 KB) on a server
of 10,000 rooms, rebuilt for each user because every join changes a count.
So, like the room lists of big IRC networks and chat services, the lobby
shows at most ``most`` rooms (``--lobby-rooms``): the permanent rooms
(``--rooms``) first, then the most populated, and says how many more there
are; ``/list`` still lists every room.

:class:`LobbyList` keeps that selection as the rooms change, so that a
sign-in costs the shown rooms, never all of them: the rooms are kept in
buckets by member count (a count changing moves one room between two
buckets), the selection walks the buckets from the fullest, and the
listing made is kept (with each door's rendering of it, see
:class:`~chatroom.core.model.events.Encodable`) until a change could alter it:
a shown room's, a room made or gone (the count of more changes), or a room
not shown overtaking the least populated shown one. A shown room whose
count goes up (a join: in a storm, nearly every sign-in's) stays where it
was, so the listing is kept with that room's entry replaced, not made
again; each door renders it from its rooms' kept lines. Among rooms of
equal count, the one that reached that count first ranks first. The rooms
shown are listed oldest first, as ``/list`` lists them.

The lobby's watchers (``/watch on``) are told of the same selection
(:meth:`LobbyList.watched`): a changed room if the list shows it, a room
come into the list, and ``ROOM_GONE`` for a room removed or no longer
shown, so that a client's list stays the lobby's (pushing every changed
room would grow every watcher's list towards the whole server's, and cost
a line to each watcher per changed room wherever it is listed).

Both back-ends feed it (each room's listing by its key, as its rows or
rooms change); secret rooms (``/set secret on``) are kept apart and never
counted among the more: the listing carries them after the shown rooms,
for :func:`chatroom.core.policy.rules.listed_for` to keep those a member is in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from operator import attrgetter

from chatroom.core.model.events import ListedRoom, Listing, LobbyChanges, RoomGone
from chatroom.core.model.text import name_key

#: The lobby's rooms by default (``--lobby-rooms``): a screenful or two,
#: and a few kilobytes per sign-in however many rooms the server has.
LOBBY_ROOMS = 100


class LobbyList:
    """Every room's listing, and the lobby's selection of them."""

    def __init__(self, permanent: Iterable[str], most: int = LOBBY_ROOMS) -> None:
        """Args:
        permanent: the permanent rooms' names (``--rooms``), listed first
            in this order.
        most: the rooms the lobby shows at most; 0 for every room.
        """
        self.most = most
        self._permanent = {name_key(name): at for at, name in enumerate(permanent)}
        #: Every room not secret, and every secret one, by key: its listing,
        #: whose ``order`` sorts rooms oldest first (in the listing, where a
        #: tuple of the two cost every room 56 bytes on every node).
        self._public: dict[str, ListedRoom] = {}
        self._secret: dict[str, ListedRoom] = {}
        #: The public rooms that are not permanent, by member count, each
        #: bucket in the order its rooms reached the count.
        self._by_members: dict[int, dict[str, None]] = {}
        self._next_order = 0
        #: The listing made (None: to be made again), the keys it shows, and
        #: the member count a room not shown must exceed to be shown (-1: no
        #: room is left out).
        self._kept: Listing | None = None
        self._shown: set[str] = set()
        self._floor = -1
        #: Each shown room's place in the listing made, by key: a shown
        #: room's count going up (a join) changes its entry alone.
        self._at: dict[str, int] = {}
        #: While anyone watches the lobby, since the watchers' last push:
        #: every room any selection made showed (key: name), and those
        #: every one of them showed (None: none made).
        self._watched = False
        self._shown_any: dict[str, str] = {}
        self._shown_all: set[str] | None = None

    def __len__(self) -> int:
        return len(self._public) + len(self._secret)

    def put(self, key: str, info: ListedRoom, order: int | None = None) -> None:
        """Room ``key`` is listed as ``info`` (made, or changed), whose
        ``order`` this sets: ``order`` sorts it among the others (its
        creation number); None: the order it had, or after every room so
        far."""
        old = self._public.get(key) or self._secret.get(key)
        if order is None:
            order = old.order if old is not None else self._next_order
        self._next_order = max(self._next_order, order + 1)
        if old is not None:
            self._forget(key, old)
        info.order = order
        if info.secret:
            self._secret[key] = info
        else:
            self._public[key] = info
            if key not in self._permanent:
                self._by_members.setdefault(info.members, {})[key] = None
        kept = self._kept
        if (
            kept is not None
            and old is not None
            and key in self._shown
            and not old.secret
            and not info.secret
            and order == old.order
            and info.members >= old.members
        ):
            # Still shown, in its place: every room that outranked it still
            # does, and the list is oldest first. (Should it have been the
            # floor's room, the floor kept is at most the selection's now,
            # so a room it leaves out makes the list again sooner, never
            # later, than it must.) A sign-in in a storm of joins is shown
            # the list changed by one count each time; made again, it was
            # a sort and a rendering of every shown room.
            rooms = list(kept.rooms)
            rooms[self._at[key]] = info
            self._kept = Listing(rooms, kept.more)
            return
        unseen = (
            old is not None
            and not old.secret
            and not info.secret
            and key not in self._shown
            and 0 <= info.members <= self._floor
        )
        if not unseen:
            self._kept = None

    def get(self, key: str) -> ListedRoom | None:
        """Room ``key``'s listing (None: not listed)."""
        return self._public.get(key) or self._secret.get(key)

    def rooms(self) -> dict[str, ListedRoom]:
        """Every room's listing by key, as it is now (a copy)."""
        return {**self._public, **self._secret}

    def drop(self, key: str) -> None:
        """Room ``key`` is gone (or renamed away from this key)."""
        old = self._public.get(key) or self._secret.get(key)
        if old is not None:
            self._forget(key, old)
            self._shown_any.pop(key, None)  # the watchers hear it is gone
            self._kept = None

    def clear(self) -> None:
        """Every room forgotten (to be put again from a full read)."""
        self._public.clear()
        self._secret.clear()
        self._by_members.clear()
        self._kept = None

    def everything(self) -> Listing:
        """Every room, oldest first (``/list``)."""
        return Listing(
            sorted([*self._public.values(), *self._secret.values()], key=_ORDER)
        )

    def listing(self) -> Listing:
        """The lobby's list: at most ``most`` rooms (the permanent ones,
        then the most populated) oldest first, then the secret rooms, with
        how many public rooms it leaves out."""
        if self._kept is None:
            self._kept = self._select()
        return self._kept

    def watched(self, changed: dict[str, str]) -> LobbyChanges:
        """What the lobby's watchers are told of the rooms ``changed`` (key:
        the name they knew it by), so that whichever list they were shown
        since the last push (on entering the lobby, or by it) becomes the
        list's selection now: each changed room the list shows, as it is;
        ``RoomGone`` for each one removed or secret, and for each room
        shown since that the list no longer shows; and each room the list
        shows that some list since left out, changed or not. With every
        room shown (few rooms, or ``most`` 0) that is every changed room."""
        self.listing()  # the selection, made again if a change could alter it
        shown = self._shown
        self._seen(shown)
        since, throughout = self._shown_any, self._shown_all or set()
        self._shown_any, self._shown_all = {}, None
        self._seen(shown)  # where the next push starts from
        entries: list[ListedRoom | RoomGone] = []
        for key, name in changed.items():
            kept = self._public.get(key)
            if kept is None:
                entries.append(RoomGone(name))
            elif key in shown:
                entries.append(kept)
            elif key in since:
                entries.append(RoomGone(since[key]))
        came = sorted(
            (self._public[key] for key in shown - throughout - changed.keys()),
            key=_ORDER,
        )
        entries += came
        went = sorted(since.keys() - shown - changed.keys())
        entries += [RoomGone(since[key]) for key in went]
        return LobbyChanges(entries)

    def watching(self, watched: bool) -> None:
        """Whether anyone watches the lobby: the selections made are
        followed from the one the first watcher was shown (the last made)
        for :meth:`watched`, or no more."""
        if watched and not self._watched:
            self._watched = True
            self.listing()
            self._seen(self._shown)
        elif not watched:
            self._shown_any, self._shown_all = {}, None
            self._watched = False

    def _seen(self, shown: set[str]) -> None:
        """A selection someone is shown, while anyone watches (:meth:`watched`)."""
        if not self._watched:
            return
        public = self._public
        for key in shown:
            self._shown_any.setdefault(key, public[key].name)
        every = self._shown_all
        self._shown_all = set(shown) if every is None else every & shown

    def _forget(self, key: str, info: ListedRoom) -> None:
        if info.secret:
            del self._secret[key]
            return
        del self._public[key]
        bucket = self._by_members.get(info.members)
        if bucket is not None and key in bucket:
            del bucket[key]
            if not bucket:
                del self._by_members[info.members]

    def _select(self) -> Listing:
        public = self._public
        if not self.most or len(public) <= self.most:
            shown = list(public)
            self._floor = -1
        else:
            permanent = sorted(
                (key for key in self._permanent if key in public),
                key=self._permanent.__getitem__,
            )
            shown = permanent[: self.most]
            #: Permanent rooms fill it: no other room comes in, however full.
            self._floor = sys.maxsize if len(shown) == self.most else -1
            for count in sorted(self._by_members, reverse=True):
                if len(shown) == self.most:
                    break
                for key in self._by_members[count]:
                    shown.append(key)
                    self._floor = count
                    if len(shown) == self.most:
                        break
        self._shown = set(shown)
        self._seen(self._shown)
        # Sorted by creation number (each room's own) in comprehensions:
        # no Python call per shown room.
        placed = sorted([(public[key].order, key) for key in shown])
        self._at = {key: at for at, (_, key) in enumerate(placed)}
        rooms = [public[key] for _, key in placed]
        rooms += sorted(self._secret.values(), key=_ORDER)
        return Listing(rooms, more=len(public) - len(shown))


#: A listing's creation number, to sort by (no Python call a room).
_ORDER = attrgetter("order")
