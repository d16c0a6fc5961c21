"""Whether a node whose heartbeat stopped is gone, or only slow.

A node's heartbeat key lives ``--node-ttl`` on Redis's wall clock, and a
node beats every third of it. A node that is alive but starved (two cores
under a load of 25, where a turn of one second of CPU, a burst of
sign-ons or a collection, takes a node fourteen seconds of the wall
clock) can miss every beat for that long; harvesting it ends every one of
its sessions, and its users see themselves leave and come back.

What tells a dead process from a slow one is its connections: the kernel
closes a dead process's sockets (killed, crashed), and Redis drops them at
once, while a process that is alive, however slow or stopped, keeps them
open. So each node names its commands and heartbeat connections
(``CLIENT SETNAME``, :func:`client_name`) as they connect, and a node that
finds another's heartbeat gone asks Redis's ``CLIENT LIST`` (on the
commands link, so on the Redis holding the heartbeat keys: on a Redis
Cluster the server slot's primary, where every node's links to the
server's keys go; behind Sentinel the primary) before it harvests:

- none of the node's connections is there: it is gone, and harvested
  at once, as promptly as its heartbeat allows;
- one is: the node is *stalled*. The first node to find it so marks when
  (``P stalled:n``, :data:`STALLED`, in its own clock's ms), and every
  node leaves it alone until it has been stalled for ``--stall-grace``;
  then it is harvested all the same (a process stopped, wedged, or cut
  off from Redis by a network that closed nothing). Its next beat clears
  the mark, so every stall gets the whole grace.

A Redis that refuses ``CLIENT LIST`` (an ACL without it) counts every
node as unconnected, as nodes did before they named their connections.
The rule (when a node counts as gone) is decided here; the script stores
and reads the mark only.
"""

from __future__ import annotations

import txredisapi
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script

#: Operands: node, now (ms), keep (how long the mark is kept, ms). Node's stall:
#: {0, 0} if its heartbeat is back; else {1, since} with the mark found
#: (ms, as the node that set it counted them), or {2, now} with the mark
#: set now (this node is the first to find it stalled).
STALLED = Script("stalled")


def client_name(prefix: str, node: str) -> str:
    """The name node ``node`` gives its connections to Redis."""
    return f"{prefix}node:{node}"


def named_nodes(listing: bytes, prefix: str) -> set[str]:
    """The nodes that hold a connection in ``CLIENT LIST``'s ``listing``
    (one line per connection, ``name=...`` among its fields)."""
    head = f"name={client_name(prefix, '')}".encode()
    found = set()
    for line in listing.split(b"\n"):
        for field in line.split(b" "):
            if field.startswith(head) and len(field) > len(head):
                found.add(field[len(head) :].decode())
    return found


class Liveness:
    """The other nodes' heartbeats that stopped, judged: gone, or stalled."""

    log = Logger()

    def __init__(
        self,
        calls: RedisCalls,
        clock: IReactorTime,
        prefix: str,
        node_ttl: float,
        grace: float,
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.prefix = prefix
        #: ``--stall-grace``: how long a stalled node is waited for.
        self.grace = grace
        #: How long a mark outlives its grace if nobody harvests the node
        #: (every node stalled meanwhile): then a stall starts over.
        self._keep = int((2 * grace + node_ttl) * 1000)
        self._refused = False

    def stalled_too_long(self, since_ms: int) -> bool:
        """Whether a node found stalled at ``since_ms`` (ms) has been for
        ``--stall-grace``, by this node's clock."""
        return self.clock.seconds() - since_ms / 1000 >= self.grace

    async def gone(self, silent: list[str]) -> dict[str, str]:
        """Of the nodes whose heartbeat stopped (``silent``), those to
        harvest now, each with why; the others are stalled, and left alone
        until their grace is over (or they beat again)."""
        if not silent:
            return {}
        connected = await self.connected()
        verdicts = {}
        for node in silent:
            if node not in connected:
                verdicts[node] = (
                    "its heartbeat stopped and Redis holds no connection of it"
                )
                continue
            now = int(self.clock.seconds() * 1000)
            read = {"node": node, "now": now, "keep": self._keep}
            found, since = await self.calls.eval(STALLED, read)
            if not int(found):
                continue  # it beat meanwhile
            if int(found) == 2:
                self.log.warn(
                    "node {node}: its heartbeat stopped but Redis still holds its "
                    "connection; left alone for {grace:g} s (--stall-grace)",
                    node=node,
                    grace=self.grace,
                )
            if self.stalled_too_long(int(since)):
                verdicts[node] = (
                    f"its heartbeat stopped {self.grace:g} s (--stall-grace) "
                    "after it was found stalled, its connection still open"
                )
        return verdicts

    async def connected(self) -> set[str]:
        """The nodes holding a named connection to the Redis of the
        heartbeat keys (none, if it refuses to say)."""
        try:
            listing = await self.calls.command("CLIENT", "LIST", "TYPE", "normal")
        except txredisapi.ResponseError as refusal:
            if not self._refused:
                self._refused = True
                self.log.warn(
                    "Redis refused CLIENT LIST ({why}): a node whose heartbeat "
                    "stops is harvested even if it is only slow",
                    why=str(refusal),
                )
            return set()
        return named_nodes(listing, self.prefix)
