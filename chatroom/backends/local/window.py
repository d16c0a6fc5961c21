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
they are. Reading the window makes the events again. A joiner's window
(:meth:`KeptWindow.newest`) is made once until the room changes, and then
made again with the events of the last one that are still in it, so
each door renders a message for joiners once, as when the window held
the events themselves (a join into a room that is talking cost half as
much again without that). Those few events, at most a joiner's window
per room, are all the collector still walks.
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
        return Message(
            *item[:7], account=item[7], quoted_user=item[8], quoted_text=item[9]
        )
    return item


def id_of(item: Kept) -> str:
    """The id of the event a window's ``item`` holds ("" if unnumbered)."""
    return item[6] if isinstance(item, tuple) else item.id


class KeptWindow:
    """A room's newest kept events, oldest first, at most ``maxlen``.

    Iterating makes each event anew: a caller may keep or change what it
    is handed without touching the window.
    """

    __slots__ = ("_items", "_shown", "_shown_count", "_shown_current")

    def __init__(self, maxlen: int, events: Iterable[StoredEvent] = ()) -> None:
        self._items: deque[Kept] = deque(maxlen=maxlen)
        #: The last joiner's window (:meth:`newest`), its events with the
        #: renderings the doors made of them; current until the window
        #: changes.
        self._shown: list[StoredEvent] = []
        self._shown_count = 0
        self._shown_current = False
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

    def oldest_id(self) -> str:
        """The id of the oldest event kept ("" if none, or unnumbered)."""
        return id_of(self._items[0]) if self._items else ""

    def newest(self, count: int, uncounted: tuple[type, ...]) -> list[StoredEvent]:
        """The newest events, oldest first, back to the ``count``-th of
        those not of a kind ``uncounted``. The same events as the last
        call's while the window has not changed since; after a change,
        the last call's events that are still in the window, and only
        the newer ones made."""
        if self._shown_current and self._shown_count == count:
            return list(self._shown)
        before = {event.id: event for event in self._shown if event.id}
        shown: list[StoredEvent] = []
        counted = 0
        for item in reversed(self._items):
            if counted >= count:
                break
            if isinstance(item, tuple):
                event = before.get(item[6]) or as_event(item)
            else:
                event = item
            shown.append(event)
            counted += not isinstance(event, uncounted)
        shown.reverse()
        self._shown, self._shown_count, self._shown_current = shown, count, True
        return list(shown)

    def numbered(self, first: int, last: int) -> list[StoredEvent]:
        """The events with ids ``first``..``last`` (none unnumbered)."""
        return [
            as_event(item)
            for item in self._items
            if (number := id_of(item)) and first <= int(number) <= last
        ]

    def append(self, event: StoredEvent) -> str | None:
        """Keep ``event`` as the newest; the id of the oldest if it fell
        out for it ("" if unnumbered), None if the window had room. A
        message (exactly: no kind made from it) is kept as its tuple of
        values; anything else as it is, without the renderings made for
        its live delivery (every member has had them)."""
        items = self._items
        fell = id_of(items[0]) if items and len(items) == items.maxlen else None
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
        self._shown_current = False
        return fell

    def popleft(self) -> None:
        """Let the oldest event go."""
        self._items.popleft()
        self._shown_current = False
