"""A room's kept events in memory, held where the garbage collector does not walk them.

A single server keeps each room's newest stored events (``--history``, or
the resume bound) for joiners, resumes and ``/history``. Under traffic
that window is renewed all the time: each message pushes the oldest out.
Kept as event objects, every one of those messages is an object the
cyclic collector tracks, and the window's newest part is always younger
than the last freeze (:mod:`chatroom.wiring.collector`), so each
collection of the oldest generation, and each freeze, walked the rooms'
windows: some 8,000 messages at 2.5 million deliveries a second, and the
longest pauses of such a server (benchmarks/results/round-96-2026-11-30/).

A message is nothing but strings, a flag and its tags (pairs of strings),
so the window keeps it as a plain tuple of those: CPython stops tracking
a tuple of untracked values the first time a collection meets it, and
the window costs the collector nothing after that. The other kinds
(edits, reactions, redactions, topics, tags alone) are rare and stay as
they are. Reading the window makes the events again; a join's window is
made once until the room changes (:attr:`Window.shown`), so its
renderings are made once for every joiner, as when the window held the
events themselves.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from chatroom.core.model.events import Message, StoredEvent
from chatroom.wire.tags import Tags

#: A kept message: room, user, time, text, action, tags, id, then its
#: author's account, and the author and first words of what it quotes.
KeptMessage = tuple[str, str, str, str, bool, Tags, str, str, str, str]

#: What a window holds: a message as a tuple, any other event as itself.
Kept = KeptMessage | StoredEvent


def as_event(item: Kept) -> StoredEvent:
    """The event a window's ``item`` holds."""
    if isinstance(item, tuple):
        (
            room,
            user,
            time,
            text,
            action,
            tags,
            event_id,
            account,
            quoted_user,
            quoted_text,
        ) = item
        return Message(
            room,
            user,
            time,
            text,
            action,
            tags,
            event_id,
            account=account,
            quoted_user=quoted_user,
            quoted_text=quoted_text,
        )
    return item


class Window:
    """A room's newest kept events, oldest first, at most ``maxlen``.

    Iterating makes each event anew: a caller may keep or change what it
    is handed without touching the window.
    """

    __slots__ = ("_items", "shown")

    def __init__(self, maxlen: int, events: Iterable[StoredEvent] = ()) -> None:
        self._items: deque[Kept] = deque(maxlen=maxlen)
        #: A join's window as the room's last joiner was shown it (its
        #: count, its events, each with the renderings the doors made),
        #: until the window changes: joiners after it are handed the same
        #: events, and each door renders them once. None once it changed.
        self.shown: tuple[int, list[StoredEvent]] | None = None
        for event in events:
            self.append(event)

    @property
    def maxlen(self) -> int:
        """How many events the window keeps at most."""
        return self._items.maxlen or 0

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[StoredEvent]:
        return map(as_event, self._items)

    def __reversed__(self) -> Iterator[StoredEvent]:
        return map(as_event, reversed(self._items))

    def oldest_id(self) -> str:
        """The id of the oldest event kept ("" if none, or unnumbered)."""
        if not self._items:
            return ""
        oldest = self._items[0]
        return oldest[6] if isinstance(oldest, tuple) else oldest.id

    def numbered(self, first: int, last: int) -> list[StoredEvent]:
        """The events with ids ``first``..``last`` (none unnumbered)."""
        return [
            as_event(item)
            for item in self._items
            if (number := item[6] if isinstance(item, tuple) else item.id)
            and first <= int(number) <= last
        ]

    def append(self, event: StoredEvent) -> str | None:
        """Keep ``event`` as the newest; the id of the oldest if it fell
        out for it ("" if unnumbered), None if the window had room. A
        message (exactly: no kind made from it) is kept as its tuple of
        values; anything else as it is, without the renderings made for
        its live delivery (every member has had them)."""
        items = self._items
        fell = None
        if len(items) == items.maxlen and items:
            oldest = items[0]
            fell = oldest[6] if isinstance(oldest, tuple) else oldest.id
        if type(event) is Message:
            items.append(
                (
                    event.room,
                    event.user,
                    event.time,
                    event.text,
                    event.action,
                    event.tags,
                    event.id,
                    event.account,
                    event.quoted_user,
                    event.quoted_text,
                )
            )
        else:
            event.forget_renderings()
            items.append(event)
        self.shown = None
        return fell

    def popleft(self) -> None:
        """Let the oldest event go."""
        self._items.popleft()
        self.shown = None
