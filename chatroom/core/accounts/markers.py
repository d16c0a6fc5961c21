"""Read markers and unread counts: what they are, where they are kept, the rule.

A read marker is the id of the newest event of a room that a user has
read there (``/read ROOM ID``); it only moves forward. An account's
markers are kept by its back-end's :class:`MarkerStore` (the SQLite store
in single-server mode, a Redis hash per account in a cluster); a plain
name's last as long as its connection, in :class:`PlainMarkers`, on the
node that holds it. The rules (forward only, no marker past the room's
newest event, what counts as a mention) are here, once (a back-end
checks a move's premise, :func:`advance`, and stores it); the core's side
of ``/read``, ``READ`` and ``/unread`` applies them
(:mod:`chatroom.core.services.reading`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from chatroom.core.accounts.thread_follows import root_of
from chatroom.core.model import errors
from chatroom.core.model.changes.base import (
    Apply,
    DecidedChange,
    Operation,
    PremiseFailedError,
)
from chatroom.core.model.changes.settings import (
    AccountMarkers,
    MarkerAtMost,
    SetMarker,
    TellOtherNodes,
)
from chatroom.core.model.events import Event, MarkerMoved, Message


@dataclass(frozen=True)
class Marker:
    """A user's read marker in ``room`` (None: it has read nothing there)."""

    room: str
    event_id: int | None


@dataclass(frozen=True)
class Unread:
    """``/unread``: how many events of ``room`` came after the marker, and
    how many of those messages name the user; of them, the messages of each
    thread the user follows (its root's id, how many), oldest thread first."""

    room: str
    count: int
    mentions: int
    threads: tuple[tuple[int, int], ...] = ()


class MarkerStore(Protocol):
    """Where a back-end keeps accounts' markers (by account key, room key),
    read. A change of an :class:`~chatroom.core.model.changes.settings.AccountMarkers`
    (:func:`advance`'s) goes through the back-end's
    :meth:`~chatroom.core.backend.Backend.apply`, atomically: a
    :class:`~chatroom.core.model.changes.settings.SetMarker`, then a
    :class:`~chatroom.core.model.changes.settings.TellOtherNodes` (none in one process:
    its seat's devices are all there are), if its
    :class:`~chatroom.core.model.changes.settings.MarkerAtMost` holds; else
    :class:`~chatroom.core.model.changes.base.PremiseFailedError` with the marker in
    force (an int)."""

    async def markers(self, account: str) -> dict[str, int]:
        """Every marker of ``account``: room key → event id."""
        ...


async def advance(
    apply: Apply,
    account: str,
    room: str,
    event_id: int,
    moved: MarkerMoved | None = None,
    token: str = "",
) -> int:
    """Move ``account``'s marker in ``room`` (a key) to ``event_id`` if
    that is forward or where it is (markers only move forward), in one
    step that rests on it; returns the marker in force. With ``moved``,
    the account's sessions on the other nodes (all but seat ``token``'s)
    are told it in the same step. A refusal brings a marker ahead of
    ``event_id``: deciding again on it moves nothing, so it is the answer."""
    ops: tuple[Operation, ...] = (SetMarker(room, event_id),)
    if moved is not None:
        ops = (*ops, TellOtherNodes(moved, token))
    premises = (MarkerAtMost(room, event_id),)
    try:
        await apply(DecidedChange(AccountMarkers(account), premises, ops))
    except PremiseFailedError as failed:
        assert isinstance(failed.facts, int)  # the marker in force
        return failed.facts
    return event_id


class PlainMarkers:
    """Markers of plain names: per connection, forgotten when it goes."""

    def __init__(self) -> None:
        self.by_member: dict[object, dict[str, int]] = {}

    def of(self, member: object) -> dict[str, int]:
        return self.by_member.get(member, {})

    def advance(self, member: object, room: str, event_id: int) -> int:
        markers = self.by_member.setdefault(member, {})
        markers[room] = max(markers.get(room, event_id), event_id)
        return markers[room]

    def forget(self, member: object) -> dict[str, int]:
        """The connection is gone (or became an account): its markers."""
        return self.by_member.pop(member, {})


def check_marker(room: str, event_id: int, newest: int) -> None:
    """A marker may name any event the room has had, or 0, never a later one."""
    if event_id > newest:
        raise errors.bad_args(f"{room} has no event {event_id} yet (newest {newest})")


def mention_pattern(name: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match of ``name`` in a message."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def unread(
    room: str,
    marker: int | None,
    newest: int,
    events: Iterable[Event],
    name: str,
    followed: Collection[str] = (),
) -> Unread:
    """The unread count of a room whose newest id is ``newest`` (ids are
    consecutive, so it is exact), and the mentions of ``name`` among
    ``events`` after the marker (the newest ones the room keeps), and the
    messages among them of each thread whose root's id is in ``followed``."""
    after = marker or 0
    pattern = mention_pattern(name)
    unread_messages = [
        event
        for event in events
        if isinstance(event, Message) and event.id and int(event.id) > after
    ]
    mentions = sum(1 for event in unread_messages if pattern.search(event.text))
    threads: dict[str, int] = {}
    for event in unread_messages:
        root = root_of(event)
        if root in followed:
            threads[root] = threads.get(root, 0) + 1
    by_thread = tuple(sorted((int(root), count) for root, count in threads.items()))
    return Unread(room, max(0, newest - after), mentions, by_thread)
