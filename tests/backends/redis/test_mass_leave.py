"""A crowd that leaves at once: every member released, none timed out.

When thousands of connections drop in the same moment (a load balancer
restarted, a network cut, a test's generator told to stop), each session's
end is steps of scripts (:mod:`chatroom.backends.redis.endings`) and, on
IRC, its nick kept for ``WHOWAS``. Issued together, the last of them would
wait behind all the others in Redis and on the node, past
``--redis-timeout``, and the node would take a Redis that answers for
down. The ends go a bounded number at a time instead
(:class:`~chatroom.backends.redis.redis_backend.RedisBackend`'s departures).

Real ``LineProtocol`` connections over ``StringTransport`` on a server
whose registry is in a real ``redis-server``; the crowd is seated in one
big room a batch at a time, then every connection is lost in one reactor
turn. The bound is asserted as a count, the calls in flight, which holds
at any speed, and the node keeps the default ``--redis-timeout``: a
timeout short enough for the crowd's last calls to overrun it is overrun
on a loaded machine by a single batch of the seating (Redis runs every
script of a node's write before it replies to any, and one given a few
per cent of a core takes over half a second for 25 joins into a room of
a thousand).
"""

from __future__ import annotations

import time
from typing import Any

from twisted.internet import defer, task

from chatroom.backends.redis.departure_queue import AT_ONCE
from chatroom.backends.redis.redis_backend import RELEASE_TRIES
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.metrics import DEPARTURES
from chatroom.core.model.whowas import Departed
from tests.backends.contracts.handler import ContractBase, User
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient, log_lines, redis_backend, until

#: Members who leave at once, and the batches they are seated in.
CROWD = 1500
BATCH = 25

CONFIG = ServerConfig(
    rate=0,
    room_capacity=CROWD + 10,
    big_room=3,
    history=0,
    max_per_ip=CROWD + 10,
)


class MassLeaveTests(RedisRegistryTestCase, ContractBase):
    """A crowd in one room, every connection lost in the same turn."""

    config = CONFIG
    timeout = 300

    @defer.inlineCallbacks
    def seated(self, names: list[str]):
        """Users named ``names`` in room ``crowd``, ``BATCH`` at a time."""
        users: list[User] = []
        for start in range(0, len(names), BATCH):
            batch = [
                User(FakeClient(self.server)) for _ in names[start : start + BATCH]
            ]
            for user, name in zip(batch, names[start:], strict=False):
                user.say(name)
            for user in batch:
                yield self.expect(user, "WELCOME ")
                user.say("/join crowd")
            for user in batch:
                yield self.expect(user, "JOINED crowd ")
            users.extend(batch)
        return users

    @defer.inlineCallbacks
    def test_a_crowd_leaving_at_once_is_released(self):
        """1,500 members of one room lose their connections in one reactor
        turn, and each one's nick is kept for ``WHOWAS`` at the same time:
        no more than a bounded number of calls are ever in flight, every
        one is released (the room lists the one who stayed, and only that
        one's name is online) and every nick kept, the node never took
        Redis for down, and nothing timed out."""
        stayer = yield self.connect("stayer")
        stayer.say("/create crowd")
        yield self.expect(stayer, "JOINED crowd ")
        names = [f"crowd{index}" for index in range(CROWD)]
        crowd = yield self.seated(names)
        log = log_lines(self)
        in_flight = redis_backend(self.server).calls.deadlines
        peak = [0]

        def look() -> None:
            peak[0] = max(peak[0], len(in_flight))

        looking = task.LoopingCall(look)
        looking.start(0.001)
        self.addCleanup(looking.stop)
        for user in crowd:
            user.client.lose()
        gone = [Departed(name, name, "", int(time.time())) for name in names]
        remembering = defer.DeferredList(
            [
                defer.ensureDeferred(
                    self.server.registry.presence.remember_gone(departed)
                )
                for departed in gone
            ],
            consumeErrors=True,
        )
        look()  # all of them asked for in this turn

        @defer.inlineCallbacks
        def released():
            online = yield defer.ensureDeferred(
                self.server.registry.presence.names_online()
            )
            return len(online) == 1

        yield until(released, 120, "the crowd released")
        remembered = yield remembering
        # A bounded number at a time (each departure's steps, some of them
        # together, and the node's own heartbeat), never the crowd at once.
        self.assertLessEqual(peak[0], 2 * AT_ONCE)
        self.assertEqual(sum(1 for ok, _ in remembered if ok), CROWD)
        self.assertEqual(
            (yield defer.ensureDeferred(self.server.registry.presence.names_online())),
            ["stayer"],
        )
        stayer.say("/who")
        self.assertEqual(
            (yield self.expect(stayer, "MEMBERS crowd")), "MEMBERS crowd stayer"
        )
        kept: list[Any] = []
        for name in names[:: CROWD // 10]:
            kept.extend(
                (
                    yield defer.ensureDeferred(
                        self.server.registry.presence.who_was(name, 1)
                    )
                )
            )
        self.assertEqual(len(kept), 10)
        problems = [line for line in log if "in time" in line or "unavailable" in line]
        self.assertEqual(problems, [])

    @defer.inlineCallbacks
    def test_a_crowd_cut_off_mid_join_and_mid_sign_on(self):
        """300 connections are dropped as a load generator gives up the
        clients still coming in: 100 seated in crowd, 100 whose join of
        crowd is under way (cut off at each of its steps, a few each
        turn) and 100 whose name is being claimed. The stayer, in crowd on
        the same node, keeps talking: it never hears ``UNAVAILABLE``, the
        node never takes Redis for down nor resumes, no release fails, and
        every name and seat is freed: crowd lists the stayer alone, and
        only its name is online."""
        stayer = yield self.connect("stayer")
        stayer.say("/create crowd")
        yield self.expect(stayer, "JOINED crowd ")
        seated = yield self.seated([f"seated{index}" for index in range(100)])
        joining = [User(FakeClient(self.server)) for _ in range(100)]
        for index, user in enumerate(joining):
            user.say(f"joining{index}")
        for user in joining:
            yield self.expect(user, "WELCOME ")
        log = log_lines(self)
        for user in joining:
            user.say("/join crowd")
        for start in range(0, len(joining), 10):  # at each step of the joins
            for user in joining[start : start + 10]:
                user.client.lose()
            stayer.say(f"still here {start}")
            yield self.wait()
        for user in seated:
            user.client.lose()
        for index in range(100):
            claiming = User(FakeClient(self.server))
            claiming.say(f"claiming{index}")
            claiming.client.lose()

        @defer.inlineCallbacks
        def released():
            online = yield defer.ensureDeferred(
                self.server.registry.presence.names_online()
            )
            return online == ["stayer"]

        yield until(released, 60, "every name freed")
        stayer.say("/who")
        self.assertEqual(
            (yield self.expect(stayer, "MEMBERS crowd")), "MEMBERS crowd stayer"
        )
        stayer.say("and after")
        said = yield self.expect(stayer, "MSG crowd stayer")
        while not said.endswith(" and after"):
            said = yield self.expect(stayer, "MSG crowd stayer")
        self.assertEqual([line for line in stayer.lines if "UNAVAILABLE" in line], [])
        problems = [
            line
            for line in log
            if "in time" in line
            or "unavailable" in line
            or "in the cluster" in line
            or "releasing a session" in line
        ]
        self.assertEqual(problems, [])

    def test_a_crowd_whose_releases_fail_at_once(self) -> None:
        """5,000 releases wait behind a full queue and each fails as soon as
        it runs (every call refused at once, as when the link to Redis is
        lost while the node still serves): each is logged, run again
        ``RELEASE_TRIES`` times in all, then given up with its warning;
        nothing hits Python's recursion limit, and ``/metrics``'s
        departures are back to none running or waiting."""
        crowd = 5000
        backend = redis_backend(self.server)
        before = (DEPARTURES.running, DEPARTURES.waiting, DEPARTURES.retried)
        log = log_lines(self)
        holding: list[defer.Deferred[None]] = []

        async def held() -> None:
            answer: defer.Deferred[None] = defer.Deferred()
            holding.append(answer)
            await answer

        for _ in range(AT_ONCE):
            backend.departures.run(held)

        async def refused(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the link to Redis is lost")

        backend._release = refused  # type: ignore[method-assign]
        for index in range(crowd):
            backend._queue_release(f"gone{index}", f"token{index}", "bye", {}, False)
        self.assertEqual(backend.departures.waiting, crowd)
        for answer in holding:
            answer.callback(None)
        self.assertEqual([line for line in log if "recursion" in line], [])
        gave_up = [line for line in log if "stays taken" in line]
        self.assertEqual(len(gave_up), crowd)
        logged = [line for line in log if "releasing a session" in line]
        self.assertEqual(len(logged), crowd * RELEASE_TRIES)
        self.assertEqual(
            len(self.flushLoggedErrors(RuntimeError)), crowd * RELEASE_TRIES
        )
        self.assertEqual(
            (DEPARTURES.running, DEPARTURES.waiting, DEPARTURES.retried),
            (before[0], before[1], before[2] + crowd * (RELEASE_TRIES - 1)),
        )
