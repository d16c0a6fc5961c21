"""A room's messages of one reactor turn, in one rendering, shared by the
send queues that take them all: one append per message instead of one
write per member.

Under load a busy room says several messages in one reactor turn, and
every member's send queue used to be written each of them: at 3 million
deliveries a second, the fan-out's call to each queue's ``write`` was a
fifth of the server's time (docs/performance.md). The room's first
message of a turn is still written to each member (a lone message, the
rule at low rates, costs least that way); at its second, a :class:`Run`
is handed once to each member's queue (:meth:`RunTaker.join`), and that
message and the room's later ones of the turn are appended to the run
once, every queue that still holds it sending them all when the turn
ends, the run's bytes joined once for all of them (:meth:`Run.data`).

Order is what makes this correct, and the queue keeps it: a queue that
is written anything else while it holds a run (a reply, a private
message, another room's message, its own message's echo) lets the run
go first. It keeps what the run held until then, and from then on the
room writes it the run's later messages one by one, in their place
(``stragglers``). The author of a message is let go the same way before
it is appended (:meth:`RunTaker.leave`), since its own message reaches it
by its ``deliver``. A run ends with its turn, when the first queue holding
it is flushed, or when no queue holds it any more (every member's queue
let it go, or none batches: TLS, a test transport), or when a member
leaves the room or changes how it takes messages, which makes a new plan
of its members (:mod:`chatroom.core.infra.fanout`); the room's next message
starts a new one. A member who comes in while a run goes on takes its
later messages one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

#: How many reactor turns have ended (their send queues flushed,
#: :func:`turn_ended`): a room writes a turn's first message to each
#: member, as before runs, and makes a run of the second, so a lone
#: message costs nothing more.
turns = 0


def turn_ended() -> None:
    """The send queues written this turn were flushed (the door's flusher
    says so): the runs of the turn are over."""
    global turns
    turns += 1


class Run:
    """The messages (their bytes, in one rendering) a room said in this
    turn, in order, since the run began.

    ``stragglers`` are the ``write`` of the members that do not hold the
    run (they let it go, or their queue does not batch, or they spoke
    first): each later message of the run is written to them as it is
    appended.
    """

    __slots__ = ("_data", "holders", "open", "parts", "stragglers")

    def __init__(self, first: bytes) -> None:
        self.parts = [first]
        #: Whether the room appends to it: until its turn ends, or until
        #: no queue holds it (then its messages would be kept for nobody).
        self.open = True
        #: How many queues hold it.
        self.holders = 0
        self.stragglers: list[Callable[[bytes], None]] = []
        self._data: bytes | None = None

    def held(self) -> None:
        """A queue holds it."""
        self.holders += 1

    def let_go(self, write: Callable[[bytes], None]) -> None:
        """A queue no longer holds it: its ``write`` takes the run's later
        messages, or, if no queue holds the run any more, the run ends."""
        self.holders -= 1
        if not self.open:
            return
        if self.holders:
            self.stragglers.append(write)
        else:
            self.open = False

    def so_far(self) -> bytes:
        """What it holds now, for a queue that lets it go."""
        parts = self.parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def data(self) -> bytes:
        """Everything it holds, joined once for every queue that holds it;
        it takes no more (its turn is over)."""
        self.open = False
        data = self._data
        if data is None:
            data = self._data = self.so_far()
        return data


class RunTaker(Protocol):
    """A send queue that can hold a :class:`Run` (:mod:`chatroom.doors.base.sendq`)."""

    def join(self, run: Run) -> None:
        """Send ``run``'s messages, those it holds and those appended to
        it until it ends, after what was written before."""

    def leave(self, run: Run) -> None:
        """Take no more of ``run`` as it grows (if it holds it): keep what
        it holds so far, and be written its later messages one by one."""
