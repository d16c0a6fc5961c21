"""Every node's counts of its connections, for ``LUSERS``: Redis's :class:`CensusSteps`.

``P census`` is a hash, node → ``"users invisible unknown"``: each node
writes its own field (one ``HSET``, at most one per reactor turn, shared
by the turn's changes, made at the turn's end) whenever its counts
change (a connection admitted, named, or gone; an IRC user's ``+i``); a
sign-on's welcome and a goodbye's close wait for it, so a question that
the client's next step prompts, on any node, finds it counted. The write
goes on the node's heartbeat link, not its commands link: behind a storm
of sign-ons' scripts, or a ``WAIT`` for a replica (:mod:`.replicas`),
every welcome and goodbye would wait for all of them. A question
(:data:`TOTAL`) adds up the fields of the other nodes whose heartbeat is
alive, or that are stalled and not harvested (:mod:`.liveness`; one
``HGETALL`` and two ``EXISTS`` per node: as many nodes, never as many
users) to the asker's own counts, taken as they are. A node that dies
stops counting when its heartbeat expires, the moment the others would
harvest it; the harvest's last step (``HARVESTED``) and a node's own
departure drop its field, and a resume writes it again (Redis may have
lost it).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.server.census import Census
from chatroom.net.pollcap import at_turn_end

#: Operands: node. The sums of the other live nodes' fields of ``P census``:
#: {users, invisible, unknown}.
TOTAL = Script("census-total")


class RedisCensus:
    """A node's counts, written to its field and added to the others'."""

    def __init__(self, calls: RedisCalls, node: str, clock: IReactorTime) -> None:
        self.calls = calls
        self.node = node
        self.clock = clock
        self.key = f"{calls.prefix}census"
        #: The counts last handed in, written again by a resume.
        self.here = Census()
        #: Who waits for the write of this reactor turn, once one is due
        #: (written at the turn's end: :func:`~chatroom.net.pollcap.at_turn_end`,
        #: not a ``callLater(0)``: a sign-on's two counts, admitted and
        #: named, would each be a timer made, pushed and popped).
        self._waiting: list[Deferred[None]] | None = None
        self._at_end: Callable[[Callable[[], None]], object] | None = None

    async def publish(self, here: Census) -> None:
        """One write per reactor turn at most, of the counts as they are
        then: every change of the turn (a storm's sign-ons) shares it, and
        each caller returns once it is done."""
        self.here = here
        waiting = self._waiting
        if waiting is None:
            waiting = self._waiting = []
            if self._at_end is None:
                self._at_end = at_turn_end(self.clock)
            self._at_end(self._due)
        written: Deferred[None] = Deferred()
        waiting.append(written)
        await written

    def republish(self) -> None:
        """After a resume: the field as this node's counts are."""
        writing = Deferred.fromCoroutine(self.publish(self.here))
        writing.addErrback(lambda failure: None)

    def _due(self) -> None:
        """The turn's end: its write, unless :meth:`written` made it."""
        if self._waiting is not None:
            self._write()

    def _write(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        here = self.here
        value = f"{here.users} {here.invisible} {here.unknown}"
        writing = Deferred.fromCoroutine(
            self.calls.command(
                "HSET", self.key, self.node, value, link=self.calls.heartbeat
            )
        )

        def done(result: object) -> None:  # lost: the resume writes it
            for written in waiting:
                written.callback(None)

        writing.addBoth(done)

    async def written(self) -> None:
        """Once every write asked for so far is done: the counts written
        once more, on the same connection, which Redis answers in order
        (a node's departure waits for it, so that no write of its reaches
        Redis after the departure dropped its field). Written at once, not
        at the turn's end: a stopping node's clock may not turn again."""
        written: Deferred[None] = Deferred()
        self._waiting = [*(self._waiting or []), written]
        self._write()
        await written

    async def total(self, here: Census) -> Census:
        users, invisible, unknown = await self.calls.eval(TOTAL, {"node": self.node})
        return here + Census(int(users), int(invisible), int(unknown))
