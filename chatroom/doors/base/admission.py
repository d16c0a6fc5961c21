"""How many sign-ons a server has in flight, and its doors shut past them.

A sign-on is a line of a connection that has no name yet and waits on the
registry: the claim of a name, the registration that follows, the welcome
and the lobby's list. In a cluster each costs Redis several calls. A node
that accepts as fast as the kernel hands it connections sends Redis, in a
storm of thousands, more than Redis answers: its queue grows, every call
waits longer, and every user signing on waits behind all the others. So a
server holds at most ``--signons-in-flight`` of them (:class:`SignOns`);
past that:

- its line and IRC ports stop accepting (the listening socket is no longer
  read): newcomers wait in the kernel's listen backlog, where waiting costs
  the server nothing, and with ``--reuse-port`` the other nodes accept the
  connections the kernel hands them;
- a line from a connection already accepted that has no name yet waits
  (its reading paused, as behind any command that waits) until a sign-on
  ends, first come first served.

The HTTP port keeps accepting: its health checks, metrics and admin API
must answer a busy node too; its WebSocket sessions' sign-ons wait for a
slot as any other. A connection that says nothing holds no slot: a slot
is taken by a line that waits on the registry, and given back once its
answer is sent, so nobody blocks the door by connecting and keeping quiet
(``--login-timeout`` closes them). On one server nothing waits on the
registry, so a slot is taken and given back within the line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any


class SignOns:
    """The sign-ons in flight, at most :attr:`limit` (0: no limit).

    :meth:`take` a slot for a line of a connection without a name before
    running it; if none is free, :meth:`hold` the line, to be started when
    one is; :meth:`give_back` the slot once the line is answered. The
    listening ports handed to :meth:`door` stop accepting while every slot
    is taken and a line waits for one.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: The connections whose line holds a slot.
        self._holders: set[object] = set()
        #: Lines waiting for a slot, first come first served: the
        #: connection, and what starts its line (False: it is gone).
        self._held: deque[tuple[object, Callable[[], bool]]] = deque()
        self._ports: list[Any] = []
        self._doors_shut = False
        self._starting = False
        #: How many times a line found every slot taken (the doors shut):
        #: how often the server held its door under a storm of sign-ons.
        self.shut_times = 0

    def __len__(self) -> int:
        """How many sign-ons are in flight."""
        return len(self._holders)

    def holds(self, connection: object) -> bool:
        """Whether ``connection``'s line holds a slot."""
        return connection in self._holders

    def waiting(self) -> int:
        """How many lines wait for a slot."""
        return len(self._held)

    def door(self, port: Any) -> Any:
        """Shut ``port`` (a listening port: ``stopReading``) while every
        slot is taken; returns it (for a Deferred's chain). A port that
        cannot stop reading (none of Twisted's sockets) is left open."""
        if not hasattr(port, "stopReading"):
            return port
        self._ports.append(port)
        if self._doors_shut:
            port.stopReading()
        return port

    def take(self, connection: object) -> bool:
        """A slot for ``connection``'s line, if one is free."""
        if self._full():
            return False
        self._holders.add(connection)
        return True

    def hold(self, connection: object, start: Callable[[], bool]) -> None:
        """``connection``'s line waits for a slot: ``start`` is called with
        the slot taken for it, and says whether it ran (False: the
        connection is gone, and the slot goes to the next)."""
        self._held.append((connection, start))
        self._shut()

    def give_back(self, connection: object) -> None:
        """``connection``'s line is answered: its slot goes to the first
        line waiting, or is free (the doors open again)."""
        self._holders.discard(connection)
        self._start_held()

    def reconfigure(self, limit: int) -> None:
        """A reload's ``--signons-in-flight``: lines waiting start if the
        new limit has room for them, and the doors open if it has more."""
        self.limit = limit
        self._start_held()

    def _full(self) -> bool:
        return bool(self.limit) and len(self._holders) >= self.limit

    def _start_held(self) -> None:
        """Start the lines waiting while there is room; then open the
        doors if there still is. A line started may be answered at once
        and give its slot back from inside: the loop here goes on with
        the next, rather than one call deeper per line."""
        if self._starting:
            return
        self._starting = True
        try:
            while self._held and not self._full():
                connection, start = self._held.popleft()
                self._holders.add(connection)
                if not start():
                    self._holders.discard(connection)
        finally:
            self._starting = False
        if self._held:
            return
        if self._doors_shut and not self._full():
            self._doors_shut = False
            for port in self._ports:
                if getattr(port, "connected", True):  # not stopped meanwhile
                    port.startReading()

    def _shut(self) -> None:
        """A line waits: no more connections until it has run."""
        if self._doors_shut:
            return
        self._doors_shut = True
        self.shut_times += 1
        for port in self._ports:
            if getattr(port, "connected", True):
                port.stopReading()
