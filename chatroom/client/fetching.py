"""Fetching what a log lacks: a room's recent messages on coming back, a
conversation's on opening it, older ones on PgUp or a typed ``/history``.

:class:`Fetcher`, a part of :class:`chatroom.client.controller.ChatController`,
decides when the client asks ``/history`` by itself and registers every
``/history`` with the model, whose :mod:`.history` merges what comes by
id: above what is shown, in time order, each once, whatever asked.

- Coming back to a room (a join's replay ends with ``READ ROOM ID``): the
  server's catch-up from the read marker brings what came after it and
  the messages before it; a room whose log still holds fewer than
  :data:`RECENT` messages is filled in (``/in ROOM /history 20 before
  ID``), so a room read to its end never comes back empty.
- A kept conversation (an account's) shown for the first time on a
  connection gets its last :data:`CONVERSATION_PAGE` messages
  (``/history @USER 50``).
- PgUp (Ctrl-Home) at the top of a log: the :data:`OLDER_PAGE` before it.

These are the client's own questions: the server counts them apart from
the person's flood allowance, and their answers (or refusals) are never
lines of the log but the messages themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.addressing import addressed, unaddressed
from chatroom.client.entries import Page
from chatroom.client.history import stored
from chatroom.client.model import SessionModel, fetched_key

#: How many earlier messages one PgUp at the top of the log asks for.
OLDER_PAGE = 50

#: At least this many of a room's newest messages show on coming back: a
#: join's replay from the read marker that brings fewer is filled in with
#: the ones before it.
RECENT = 20

#: How many messages of a conversation show when it is first opened.
CONVERSATION_PAGE = 50


class Fetcher:
    """The ``/history`` questions the client asks, and when.

    Args:
        model: the session (its logs, and the fetches under way).
        send: queues one line for the server.
        signed_in: whether the session is an account's (whose
            conversations the server keeps).
    """

    def __init__(
        self,
        model: SessionModel,
        send: Callable[[str], None],
        signed_in: Callable[[], bool],
    ) -> None:
        self.model = model
        self.send = send
        self.signed_in = signed_in
        #: The conversations whose messages this connection fetched (by log
        #: key): each the first time it is shown.
        self._conversations_read: set[str] = set()

    def fetch(self, target: str, count: int, paging: bool) -> bool:
        """``/history`` of a room (or ``@USER``'s conversation) before the
        oldest line its log holds (all of the newest when it holds none);
        ``paging``: the user asked (PgUp), so the view shows what came.
        False when one is under way already, or the start was reached."""
        key = fetched_key(target)
        history = self.model.history
        if history.fetching(key) is not None or (paging and key in history.complete):
            return False
        oldest = self.model.oldest_id(key)
        asked = f"{count} before {oldest}" if oldest is not None else str(count)
        self.model.expect_history(key, paging)
        if target.startswith("@"):
            self.send(f"/history {target} {asked}")
        else:
            self.send(addressed(target, f"/history {asked}"))
        return True

    def joined(self, target: str) -> None:
        """A join's replay of room ``target`` ended (its ``READ``): filled
        in until it shows its :data:`RECENT` newest."""
        if len(stored(self.model.logs.lines(fetched_key(target)))) < RECENT:
            self.fetch(target, RECENT, paging=False)

    def older(self) -> None:
        """PgUp at the top of a room's log (or a kept conversation's)."""
        buffer = self.model.buffer
        if self.model.page != Page.ROOM or buffer is None:
            return
        if buffer.is_room:
            self.fetch(buffer.name, OLDER_PAGE, paging=True)
        elif buffer.private and self.signed_in():
            self.fetch(buffer.marked_as, OLDER_PAGE, paging=True)

    def shown(self) -> None:
        """Another buffer is on screen: a kept conversation shown for the
        first time on this connection shows its messages."""
        buffer = self.model.buffer
        if (
            buffer is not None
            and buffer.private
            and self.signed_in()
            and buffer.key not in self._conversations_read
        ):
            self._conversations_read.add(buffer.key)
            self.fetch(buffer.marked_as, CONVERSATION_PAGE, paging=False)

    def typed(self, argument: str) -> None:
        """A typed ``/history ARGUMENT``: what it brings is merged where it
        belongs, in the room on screen, or in the conversation it names
        (``@USER``, then shown)."""
        model, first = self.model, argument.split(" ", 1)[0]
        if first.startswith("@") and len(first) > 1:
            model.open_conversation(first[1:])
            self._conversations_read.add(fetched_key(first))
            model.expect_history(fetched_key(first), paging=True)
        elif first.isdigit() and model.buffer is not None and model.buffer.is_room:
            model.expect_history(model.buffer.key, paging=True)

    def refused(self, line: str) -> None:
        """The server refused one of the client's own lines (a room left
        meanwhile): a ``/history`` it was is given up, so PgUp asks again."""
        room, inner = unaddressed(line)
        words = inner.split()
        if words[:1] != ["/history"]:
            return
        target = words[1] if len(words) > 1 and words[1].startswith("@") else room
        if target:
            self.model.history.take(fetched_key(target))

    def connection_lost(self) -> None:
        """Nothing asked is answered now: asked again on the next."""
        self._conversations_read.clear()
        self.model.history.connection_lost()
