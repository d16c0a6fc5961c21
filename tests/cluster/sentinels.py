"""A replicated Redis behind Sentinel, for the failover tests.

One primary (the cluster tests' own ``redis-server``), one replica of it
(:class:`ReplicatedTestCase`, enough for ``WAIT``) and three Sentinels
(Debian's ``redis-server FILE --sentinel``), every one on a free loopback
port, with a failure noticed after 400 ms so that a failover takes a few
seconds. The nodes are given
``sentinel://`` with the three Sentinels; the tests kill and start the
Redis processes and ask any of them anything with :func:`ask`.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import txredisapi
from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.cluster.support import REDIS_SERVER, ClusterTestCase, RedisProcess
from tests.support import free_port, until

#: The name the Sentinels know the primary by.
SERVICE = "chat"


class SentinelProcess(RedisProcess):
    """One Sentinel (``redis-server FILE --sentinel``) watching ``primary``.

    Sentinel rewrites its file as it learns (its peers, the replicas, a new
    primary), so each gets one of its own in ``directory``.
    """

    READY = b"+monitor master"

    def __init__(self, port: int, directory: str, primary: int) -> None:
        super().__init__(port)
        self.directory = directory
        self.primary = primary

    def arguments(self) -> list[str]:
        assert REDIS_SERVER is not None
        path = os.path.join(self.directory, f"sentinel-{self.port}.conf")
        with open(path, "w") as config:
            config.write(
                f"port {self.port}\n"
                "bind 127.0.0.1\n"
                f'dir "{self.directory}"\n'
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 400\n"
                f"sentinel failover-timeout {SERVICE} 2000\n"
            )
        return [REDIS_SERVER, path, "--sentinel", "--logfile", ""]


ASK_TIMEOUT = 10


@defer.inlineCallbacks
def ask(port: int, *command: Any):
    """One command to the Redis or Sentinel on ``port``; its reply (bytes).

    A server that does not answer within :data:`ASK_TIMEOUT` is an error
    rather than a hang; the bound is generous because a loaded CI machine
    can hold a healthy reply back for a second or more."""
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=ASK_TIMEOUT)
    connection = txredisapi.RedisProtocol(charset=None, convertNumbers=False)
    yield connectProtocol(endpoint, connection)
    try:
        asking = connection.execute_command(*command)
        asking.addTimeout(ASK_TIMEOUT, reactor)
        return (yield asking)
    finally:
        connection.transport.loseConnection()


class ReplicatedTestCase(ClusterTestCase):
    """The cluster tests' Redis as a primary with one replica in sync
    (:attr:`primary`, :attr:`replica`); the nodes still go to the primary
    by :attr:`redis_url` (``redis://``)."""

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.primary = self.redis
        directory = tempfile.TemporaryDirectory(prefix="chatroom-replica-")
        self.addCleanup(directory.cleanup)
        #: Where the replicas keep the copy a full sync writes (never the
        #: working directory: a later test's redis-server would load it).
        self.directory = directory.name
        # A primary starts a replica's copy at once, not 5 s later in case
        # others come (Redis 7's diskless default).
        yield ask(self.primary.port, "CONFIG", "SET", "repl-diskless-sync-delay", "0")
        self.replica = self.replica_of(self.primary.port, free_port())
        yield self.replica.start()
        self.addCleanup(self.replica.stop)
        yield until(self.replica_in_sync, 10, "the replica in sync")

    def replica_of(self, primary: int, port: int) -> RedisProcess:
        """A redis-server on ``port`` that copies the one on ``primary``
        (and, once promoted, copies to its own replicas at once)."""
        return RedisProcess(
            port,
            options=(
                "--replicaof", "127.0.0.1", str(primary),
                "--repl-diskless-sync-delay", "0",
                "--dir", self.directory,
                "--dbfilename", f"replica-{port}.rdb",
            ),
        )  # fmt: skip

    @defer.inlineCallbacks
    def replica_in_sync(self):
        """Whether the replica has caught up with the primary."""
        info = yield ask(self.replica.port, "INFO", "replication")
        return b"master_link_status:up" in info


class SentinelTestCase(ReplicatedTestCase):
    """A primary and its replica, and three Sentinels; :attr:`redis_url`
    names the Sentinels, so :meth:`node` goes through them."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        # Sentinels find replicas in the primary's INFO: it lists it now.
        self.sentinels = [
            SentinelProcess(free_port(), self.directory, self.primary.port)
            for _ in range(3)
        ]
        for sentinel in self.sentinels:
            yield sentinel.start()
            self.addCleanup(sentinel.stop)
        yield until(self.sentinels_acquainted, 10, "each Sentinel knows the others")
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        self.redis_url = f"sentinel://{hosts}/{SERVICE}"

    @defer.inlineCallbacks
    def sentinels_acquainted(self):
        """Whether every Sentinel knows the two others and the replica (a
        failover needs a majority of them to agree, and a replica)."""
        for sentinel in self.sentinels:
            reply = yield ask(sentinel.port, "SENTINEL", "master", SERVICE)
            state = dict(zip(reply[::2], reply[1::2], strict=True))
            if state[b"num-other-sentinels"] != b"2" or state[b"num-slaves"] != b"1":
                return False
        return True

    @defer.inlineCallbacks
    def primary_port(self):
        """The primary's port as the first Sentinel tells it."""
        reply = yield ask(
            self.sentinels[0].port, "SENTINEL", "get-master-addr-by-name", SERVICE
        )
        return int(reply[1])
