"""How soon a Redis link tries again while Redis is away.

A node behind Sentinel must follow a failover within about a second of
its end: its links, refused while the dead primary is being replaced,
keep trying at least once a second however long that takes, and each
attempt asks the Sentinels where the primary now is. A link to one plain
Redis, which only comes back where it was, backs off further.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase

from chatroom.redisclient.addresses import redis_address
from chatroom.redisclient.link import RedisLink


def gaps_between_attempts(
    link: RedisLink, reactor: MemoryReactorClock, tries: int
) -> list[float]:
    """Refuse ``tries`` connection attempts of ``link`` in a row; the
    seconds between one refusal and the next attempt."""
    link.startService()
    gaps = []
    for _ in range(tries):
        factory = reactor.tcpClients[-1][2]
        attempts = len(reactor.tcpClients)
        factory.clientConnectionFailed(
            reactor.connectors[-1], Failure(ConnectionRefusedError())
        )
        refused_at = reactor.seconds()
        while len(reactor.tcpClients) == attempts:
            reactor.advance(0.01)
        gaps.append(reactor.seconds() - refused_at)
    link.stopService()
    return gaps


class BackoffTests(TestCase):
    def test_a_link_behind_sentinel_tries_again_at_least_once_a_second(self) -> None:
        """Twenty refusals in a row (no Sentinel answers, or none names a
        primary that takes the connection): the next attempt is never
        more than a second (and its jitter) away."""
        reactor = MemoryReactorClock()
        address = redis_address("sentinel://127.0.0.1:26399/service")
        gaps = gaps_between_attempts(RedisLink(reactor, address, "t"), reactor, 20)
        self.assertLessEqual(gaps[0], 0.31)  # the first retry is quick
        self.assertLessEqual(max(gaps), 1.11)

    def test_a_link_to_a_plain_redis_backs_off_further(self) -> None:
        """One Redis that went away comes back where it was: no need to
        ask it more than every five seconds."""
        reactor = MemoryReactorClock()
        address = redis_address("redis://127.0.0.1:6399/0")
        gaps = gaps_between_attempts(RedisLink(reactor, address, "t"), reactor, 20)
        self.assertGreater(max(gaps), 4.9)
        self.assertLessEqual(max(gaps), 5.11)
