"""The IRC door's unit tests on two Redis-backed nodes (issue 36, item 3).

:class:`IRCDoorOnTwoNodes` goes before an :class:`tests.doors.irc.test_irc.IRCTestCase`
subclass in a new class's bases, and the test class's tests run unchanged
on two chat servers that share a ``redis-server`` (one per test process,
emptied before each test): the test's users
connect to the two in turn (``IRCTestCase.next_door``), so a test of two
users has one on each node, and its assertions prove that the cluster
behaves as one server does.

The tests are synchronous: a line goes in (``dataReceived``) and the test
reads what came out at once, which is true of one server, where a line's
work is done before ``dataReceived`` returns. On Redis the work ends when
Redis has answered. So each test body runs in a greenlet of its own
(:func:`in_greenlet`): whenever a test client writes or reads, and before
and after the fake clock moves, :func:`tests.support.settle` parks the
body (:func:`wait_for`) until both nodes are quiet (:func:`nodes_quiet`),
while the reactor runs Redis's replies; the test then reads what a person
would see once the cluster has caught up. Trial sees a test that returns
a Deferred.

The servers' clock is the test's ``task.Clock`` (message times, room
creation times and timers are the test's, as on one server); only the
Redis connections are on the real reactor. A zero-delay call the back-end
makes on that clock (the census write) runs while it settles, as a
reactor would run it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar, cast

import txredisapi
from greenlet import getcurrent, greenlet
from twisted.internet import defer, protocol, reactor, task
from twisted.internet.interfaces import IProtocol
from twisted.python.failure import Failure
from twisted.trial.unittest import SkipTest

from chatroom.core.model.config import ClusterConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.link import RedisLink
from chatroom.wiring.registries import redis_registry
from tests.cluster.support import _RUNNING, NO_REDIS, REDIS_SERVER, nodes_quiet
from tests.doors.irc.test_irc import IRCTestCase
from tests.support import free_port, redis_backend, settle_with

T = TypeVar("T")


class TestBody(greenlet):
    """The greenlet a test body runs in (see :func:`in_greenlet`)."""


def wait_for(waiting: defer.Deferred[T]) -> T:
    """Inside a test body run by :func:`in_greenlet`: ``waiting``'s result
    (or its exception, raised here), the reactor running meanwhile."""
    here = getcurrent()
    if not isinstance(here, TestBody):
        raise RuntimeError("wait_for outside a two-node test body")
    return cast(T, here.parent.switch(waiting))


def in_greenlet(function: Callable[[], object]) -> defer.Deferred[object]:
    """Run ``function`` in a :class:`TestBody`; fires with its result once
    it returns, each :func:`wait_for` it makes resumed when its Deferred
    fires."""
    done: defer.Deferred[object] = defer.Deferred()
    body = TestBody(function)

    def resume(value: object, failure: Failure | None = None) -> None:
        body.parent = getcurrent()  # back here at its next wait_for
        try:
            if not body:  # not started: its function takes no argument
                waiting = body.switch()
            elif failure is None:
                waiting = body.switch(value)
            else:
                waiting = body.throw(failure.type, failure.value, failure.tb)
        except BaseException:
            done.errback(Failure())
            return
        if body.dead:
            done.callback(waiting)
            return
        waiting.addCallbacks(resume, lambda failure: resume(None, failure))

    resume(None)
    return done


#: The ``redis-server`` the two-node tests of this process share, emptied
#: before each test (starting one per test cost a third of their time).
#: A plain child process, not the reactor's: one that outlives a test would
#: leave trial's reactor unclean. Killed at exit (``_RUNNING``).
_shared: subprocess.Popen[bytes] | None = None
_shared_port = 0


@defer.inlineCallbacks
def emptied_redis():
    """The URL of the shared ``redis-server``, started if it is not
    running, once it answers, emptied."""
    global _shared, _shared_port
    assert REDIS_SERVER is not None
    if _shared is None or _shared.poll() is not None:
        _shared_port = free_port()
        listen = ["--port", str(_shared_port), "--bind", "127.0.0.1"]
        _shared = subprocess.Popen(
            [REDIS_SERVER, *listen, "--save", "", "--appendonly", "no"],
            cwd=tempfile.mkdtemp(prefix="chatroom-redis-"),
            stdout=subprocess.DEVNULL,
        )
        _RUNNING.add(_shared.pid)
    deadline = reactor.seconds() + 10
    while True:
        try:
            connection = yield txredisapi.Connection(
                "127.0.0.1", _shared_port, reconnect=False
            )
            break
        except (ConnectionRefusedError, ValueError):  # txredisapi's "could not connect"
            if reactor.seconds() > deadline:
                raise
            yield task.deferLater(reactor, 0.01, lambda: None)
    try:
        yield connection.flushall()
    finally:
        yield connection.disconnect()
    return f"redis://127.0.0.1:{_shared_port}/0"


class IRCDoorOnTwoNodes(IRCTestCase):
    """Before an ``IRCTestCase`` subclass in a test class's bases: its tests
    on two Redis-backed nodes (see the module)."""

    timeout = 60

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in dir(cls):
            if not name.startswith("test"):
                continue
            method = getattr(cls, name)
            if not callable(method) or getattr(method, "in_greenlet", False):
                continue
            if getattr(method, "in_process_only", None):
                setattr(cls, name, None)  # not collected: see in_process_only
                continue
            setattr(cls, name, _greenlet_test(method))

    def setUp(self):  # trial waits on its Deferred
        if REDIS_SERVER is None:
            if os.environ.get("CHATROOM_REQUIRE_REDIS"):
                raise AssertionError(NO_REDIS)
            raise SkipTest(NO_REDIS)
        return in_greenlet(super().setUp)

    def started(self) -> None:
        """The nodes started when they were made (:meth:`start_servers`)."""

    def successResultOf(self, deferred: defer.Deferred[T]) -> T:  # type: ignore[override]
        """What ``deferred`` fires with once Redis has answered (a call into
        the core completes only then, unlike on one server)."""
        return wait_for(deferred)

    def start_servers(self) -> list[DoorHub]:
        """Two nodes, ``one`` and ``two``, on a fresh ``redis-server``."""
        url = wait_for(emptied_redis())
        servers = [self._node(url, name) for name in ("one", "two")]
        backends = [redis_backend(server) for server in servers]
        for server, backend in zip(servers, backends, strict=True):
            wait_for(backend.when_available())
            # Read at start, before Redis was reached; again now, not in 5 s.
            server._read_vapid_key()
        settle_with(self, lambda: wait_for(nodes_quiet(backends, self.clock)))
        return servers

    def _node(self, url: str, name: str) -> DoorHub:
        """A node named ``name`` on the Redis at ``url``, stopped after the test."""
        # Never harvested: a test's fake clock may jump past any node TTL.
        cluster = ClusterConfig(RedisAddress.parse(url), node_id=name, node_ttl=1e9)
        # The links on the real reactor, everything else on the test's clock.
        registry = redis_registry(
            self.config,
            cluster,
            self.clock,
            commands=RedisLink(reactor, cluster.redis, f"redis commands of {name}"),
            subscriber=RedisLink(
                reactor, cluster.redis, f"redis subscriber of {name}", True
            ),
            heartbeat=RedisLink(reactor, cluster.redis, f"redis heartbeat of {name}"),
        )
        server = DoorHub(self.config, self.clock, registry)
        server.start()
        self.addCleanup(_stopped, server)
        return server


def _stopped(server: DoorHub) -> defer.Deferred[None]:
    server.stop()
    for connection in list(server.open_connections):
        # A twisted protocol by its interface (the IRC door's has no Protocol base).
        IProtocol(connection).connectionLost(protocol.connectionDone)
    return server.detach()


def _greenlet_test(method: Callable[..., object]) -> Callable[..., object]:
    def run(case: object) -> defer.Deferred[object]:
        return in_greenlet(lambda: method(case))

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
    run.in_greenlet = True  # type: ignore[attr-defined]
    return run
