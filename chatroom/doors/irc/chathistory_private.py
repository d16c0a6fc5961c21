"""``CHATHISTORY`` on a nick: the account's private conversation with it.

The core keeps a conversation when one side is signed in to an account
(:mod:`chatroom.core.messages.private`, the line door's ``/history @USER``); each
has ids of its own, while IRC clients saw each private message with the
door's digest ``msgid`` (:meth:`IRCRenderer.msgid`), the same for the kept
copy. So a conversation is read whole, newest
:data:`~chatroom.doors.irc.caps.CHATHISTORY_LIMIT` × :data:`PAGES` messages
at most, oldest first, and a reference is found in it: ``msgid=`` by its
digest, ``timestamp=`` as the first message said at that time or later.
The subcommands then pick from the list as they pick from a room's ids
(:class:`chatroom.doors.irc.chathistory.StoredMessages`): references are
exclusive, ``AROUND`` by msgid includes the message.

A plain name keeps no conversations (its next holder is someone else):
its requests, and a conversation with nobody known, are an empty batch.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import PrivateEvent
from chatroom.core.policy.rules import HISTORY_PAGE_MAX
from chatroom.doors.irc.session import IRCSession

#: How many pages of a conversation are read (its newest 2,000 messages).
PAGES = 10


class UnknownReferenceError(Exception):
    """A reference that names nothing in the conversation."""


async def conversation(session: IRCSession, nick: str) -> list[PrivateEvent]:
    """The session's conversation with ``nick``, oldest first ([] for none)."""
    registry, member = session.registry, session.member
    events: list[PrivateEvent] = []
    before: int | None = None
    try:
        for _ in range(PAGES):
            page = await registry.messages.private_history(
                member, nick, HISTORY_PAGE_MAX, before
            )
            events[:0] = page
            if len(page) < HISTORY_PAGE_MAX:
                break
            before = int(page[0].id)
    except ChatError:
        return []  # a plain name's, or nobody's: nothing kept to read
    return events


class Picked:
    """Choosing from one conversation's messages, as the subcommands do."""

    def __init__(
        self,
        events: list[PrivateEvent],
        msgid: Callable[[PrivateEvent], str],
        said: Callable[[str], str],
    ) -> None:
        """``msgid``: the door's id of a message; ``said``: a client's
        ``timestamp=`` value in the stored form (it refuses a bad one)."""
        self.events = events
        self.msgid = msgid
        self.said = said

    def position(self, reference: str) -> tuple[int, bool]:
        """(index, exact): ``msgid=`` the message's own index; ``timestamp=``
        the index of the first message said then or later, exact if said
        then (the message the client names, as by its msgid)."""
        kind, _, value = reference.partition("=")
        if kind == "msgid":
            for index, event in enumerate(self.events):
                if self.msgid(event) == value:
                    return index, True
            raise UnknownReferenceError(value)
        if kind != "timestamp":
            raise UnknownReferenceError(reference)
        wanted = self.said(value)
        for index, event in enumerate(self.events):
            if event.time >= wanted:
                return index, event.time == wanted
        return len(self.events), False

    def latest(self, reference: str, limit: int) -> list[PrivateEvent]:
        newest = len(self.events)
        if reference == "*":
            return self.events[max(0, newest - limit) :]
        at, exact = self.position(reference)
        first = at + 1 if exact else at
        return self.events[max(first, newest - limit) :]

    def before(self, reference: str, limit: int) -> list[PrivateEvent]:
        at, _ = self.position(reference)
        return self.events[max(0, at - limit) : at]

    def after(self, reference: str, limit: int) -> list[PrivateEvent]:
        at, exact = self.position(reference)
        first = at + 1 if exact else at
        return self.events[first : first + limit]

    def around(self, reference: str, limit: int) -> list[PrivateEvent]:
        at, _ = self.position(reference)
        first = max(0, at - limit // 2)
        return self.events[first : first + limit]

    def between(self, start: str, end: str, limit: int) -> list[PrivateEvent]:
        low, low_exact = self.position(start)
        high, high_exact = self.position(end)
        if low <= high:  # forwards from start
            first = low + 1 if low_exact else low
            return self.events[first : min(high, first + limit)]
        first = high + 1 if high_exact else high  # backwards from start
        return self.events[max(first, low - limit) : low]
