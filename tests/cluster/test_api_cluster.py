"""The REST API for bots on two nodes over one ``redis-server``: a bot
made on node one is known by its token at node two; joined through node
two, it is a member at node one (``JOIN`` there, ``/who`` lists it with no
connection anywhere), its post through node two is seen
at node one with its id, the same ``txn`` posted again through node one
answers that id and time and says nothing, and node one's event stream
gets what is said at node two. Its flood limits are counted on each node
("per bot, on each node"): each node holds it to ``--burst`` and
``--rate`` of its own.

The API resource is each node's own (as its ``--http`` door serves it),
driven with twisted.web's ``DummyRequest`` over the nodes' real reactor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from io import BytesIO
from typing import Any, cast

from twisted.internet import defer
from twisted.web.server import NOT_DONE_YET, Request
from twisted.web.test.requesthelper import DummyRequest

from chatroom.doors.web.api import BotAPIResource
from chatroom.wiring.tap import ChatroomService
from tests.cluster.support import ClusterTestCase, comings_and_goings
from tests.integration import test_rest_api
from tests.integration.two_nodes import require_a_cluster, start_redis
from tests.support import until


def api_of(node: ChatroomService) -> BotAPIResource:
    """The node's ``/api/`` resource (its tokens checked by the bots' wing)."""
    return BotAPIResource(node.server)


def request(
    api: BotAPIResource, token: str, method: str, path: str, body: Any = None
) -> DummyRequest:
    """A request to ``api``, answered (or, for a stream, open) when its
    ``finished`` is set or its ``written`` grows."""
    made = DummyRequest([part.encode() for part in ("v1/" + path).split("/")])
    made.method = method.encode()
    made.requestHeaders.addRawHeader(b"authorization", b"Bearer " + token.encode())
    made.content = BytesIO(b"" if body is None else json.dumps(body).encode())  # type: ignore[attr-defined]
    rendered = api.render(cast(Request, made))
    if rendered is not NOT_DONE_YET:
        made.write(rendered)
        made.finish()
    return made


def finished(made: DummyRequest) -> Callable[[], defer.Deferred[bool]]:
    """Whether request ``made`` is answered, for :func:`until`."""
    return lambda: defer.succeed(bool(made.finished))


@defer.inlineCallbacks
def answered(
    api: BotAPIResource, token: str, method: str, path: str, body: Any = None
) -> Generator[Any, Any, Any]:
    """A call's JSON answer, once it came."""
    made = request(api, token, method, path, body)
    yield until(finished(made), 10, f"{method} {path}")
    return json.loads(b"".join(made.written))


class APIOnTwoNodes(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_join_post_txn_and_stream_cross_the_nodes(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        alice = yield self.client(one, "alice")
        alice.say("/caps rich")
        alice.say("/join general")
        yield alice.expect_line("MEMBERS general")
        there, here = api_of(two), api_of(one)

        stream = request(here, token, "GET", "events")
        yield until(lambda: defer.succeed(stream.written), 10, "the stream opened")
        joined = yield answered(there, token, "POST", "rooms/general/join")
        self.assertEqual(joined["room"], "general")
        yield alice.expect_line("JOIN general robot")
        alice.say("/who")
        who = yield alice.expect(lambda line: "robot" in line and "general" in line)
        self.assertIn("robot", who)

        posted = yield answered(
            there,
            token,
            "POST",
            "rooms/general/messages",
            {"text": "from two", "txn": "t-1"},
        )
        said = yield alice.expect(lambda line: "MSG general robot" in line)
        self.assertTrue(
            said.startswith(f"@{posted['id']};bot MSG general robot "), said
        )
        again = yield answered(
            here,
            token,
            "POST",
            "rooms/general/messages",
            {"text": "from two", "txn": "t-1"},
        )
        self.assertEqual(again, posted)

        bob = yield self.client(two, "bob")
        bob.say("/join general")
        yield bob.expect_line("MEMBERS general")
        bob.say("hello from node two")

        def streamed() -> defer.Deferred[bool]:
            text = b"".join(stream.written).decode()
            return defer.succeed("hello from node two" in text)

        yield until(streamed, 10, "node one's stream got bob's words")
        text = b"".join(stream.written).decode()
        self.assertIn('"text": "from two"', text)
        self.assertEqual(text.count('"text": "from two"'), 1)  # the repeat said nothing
        alice.say("/quit")
        yield alice.expect_line("BYE")
        self.assertNotIn(
            "from two", " ".join(alice.lines[alice.lines.index(said) + 1 :])
        )

    @defer.inlineCallbacks
    def test_a_node_started_again_stands_the_bot_in_its_rooms(
        self,
    ) -> Generator[Any, Any, None]:
        (one,) = yield self.start_nodes(1)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        yield answered(api_of(one), token, "POST", "rooms/general/join")
        yield one.stopService()
        self.nodes.remove(one)

        again = yield self.node(node_id="again")
        bob = yield self.client(again, "bob")

        @defer.inlineCallbacks
        def robot_listed() -> Generator[Any, Any, bool]:
            bob.say("/who general")
            line = yield bob.expect_line("MEMBERS general")
            return "robot" in line.split()

        bob.say("/join general")
        yield bob.expect_line("MEMBERS general")
        yield until(robot_listed, 10, "robot back in general")
        posted = yield answered(
            api_of(again), token, "POST", "rooms/general/messages", {"text": "back"}
        )
        said = yield bob.expect(lambda line: line.startswith("MSG general robot "))
        self.assertTrue(said.endswith(" back"), (said, posted))

    @defer.inlineCallbacks
    def test_a_room_only_the_bot_holds_outlives_every_node(
        self,
    ) -> Generator[Any, Any, None]:
        """tea, made by alice, is left to the bot alone; then every node
        stops (node one first, handing the bot to node two, then node
        two). A node started again on what Redis keeps has tea, the bot
        in it and its history: a room with a standing member is not
        empty, so no stop removes it."""
        one, two = yield self.start_nodes(2)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        alice = yield self.client(one, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        yield answered(api_of(two), token, "POST", "rooms/tea/join")
        yield alice.expect_line("JOIN tea robot")
        yield answered(
            api_of(two), token, "POST", "rooms/tea/messages", {"text": "kept"}
        )
        yield alice.expect(lambda line: line.startswith("MSG tea robot "))
        alice.say("/quit")
        yield alice.expect_line("BYE")
        for node in (one, two):
            yield node.stopService()
            self.nodes.remove(node)

        again = yield self.node(node_id="again")
        standing = again.server.registry.standing

        def stands() -> defer.Deferred[bool]:
            return defer.succeed(standing.find("robot") is not None)

        yield until(stands, 20, "robot stands again")
        bob = yield self.client(again, "bob")
        bob.say("/join tea")
        members = yield bob.expect_line("MEMBERS tea")
        self.assertIn("robot", members.split())
        kept = yield bob.expect(lambda line: line.startswith("HISTORY tea robot "))
        self.assertTrue(kept.endswith(" kept"), kept)

    @defer.inlineCallbacks
    def test_a_leave_through_one_node_is_seen_at_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        here, there = api_of(one), api_of(two)
        alice = yield self.client(one, "alice")
        alice.say("/join general")
        yield alice.expect_line("MEMBERS general")
        yield answered(here, token, "POST", "rooms/general/join")
        yield alice.expect_line("JOIN general robot")
        me = yield answered(there, token, "GET", "me")
        self.assertEqual(me["rooms"], ["general"])
        yield answered(there, token, "POST", "rooms/general/leave")
        yield alice.expect_line("PART general robot")

        @defer.inlineCallbacks
        def out_at_one() -> Generator[Any, Any, bool]:
            me = yield answered(here, token, "GET", "me")
            return me["rooms"] == []

        yield until(out_at_one, 10, "node one knows the bot left")
        refused = yield answered(
            here, token, "POST", "rooms/general/messages", {"text": "gone"}
        )
        self.assertEqual(refused["error"], "NOT_IN_ROOM")

    @defer.inlineCallbacks
    def test_a_node_stopping_hands_its_standing_bot_to_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        """The bot joined general through node one's API (standing there
        with no connection); node one stops. bob, on node two, sees no
        ``PART``, ``QUIT`` or ``JOIN`` of the bot: it is still listed, and
        posts through node two's API, seen by bob."""
        one, two = yield self.start_nodes(2)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        standing = two.server.registry.standing

        def restored() -> defer.Deferred[bool]:
            retry = standing.retry
            return defer.succeed(retry is None or not retry.active())

        # node two stood what its start had to (else its retry stands it)
        yield until(restored, 20, "node two's start stood its bots")
        bob = yield self.client(two, "bob")
        bob.say("/join general")
        yield bob.expect_line("MEMBERS general")
        yield answered(api_of(one), token, "POST", "rooms/general/join")
        joined = yield bob.expect_line("JOIN general robot")
        yield one.stopService()
        self.nodes.remove(one)
        self.assertIsNotNone(two.server.registry.standing.find("robot"))
        bob.say("/who general")
        listed = yield bob.expect_line("MEMBERS general")
        self.assertIn("robot", listed.split())
        posted = yield answered(
            api_of(two), token, "POST", "rooms/general/messages", {"text": "still"}
        )
        said = yield bob.expect(lambda line: line.startswith("MSG general robot "))
        self.assertTrue(said.endswith(" still"), (said, posted))
        self.assertEqual(comings_and_goings(bob.lines, joined, "robot"), [])
        yield answered(api_of(two), token, "POST", "rooms/general/leave")
        left = yield bob.expect(lambda line: line.startswith("PART general robot"))
        self.assertEqual(left, "PART general robot left")


class RateLimitedOnTwoNodes(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_each_node_counts_a_bots_requests_of_its_own(
        self,
    ) -> Generator[Any, Any, None]:
        """``--rate 1 --burst 5``: a bot's quick requests, alternating
        between the two nodes, are five in any five seconds at each node
        ("per bot, on each node"): the first ten are answered, five at
        each, and the eleventh and twelfth, one at each node, are ``429``
        with ``Retry-After``."""
        one, two = yield self.start_nodes(2, "--rate", "1", "--burst", "5")
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        apis = [api_of(one), api_of(two)]
        answers = []
        for n in range(12):
            call = request(apis[n % 2], token, "GET", "me")
            yield until(finished(call), 10, f"request {n}")
            answers.append(call)
        # DummyRequest leaves a code never set (an answer's 200) as None.
        codes = [call.responseCode or 200 for call in answers]
        self.assertEqual(codes, [200] * 10 + [429] * 2)
        for refused in answers[-2:]:
            answer = json.loads(b"".join(refused.written))
            self.assertEqual(answer["error"], "RATE_LIMITED")
            [wait] = refused.responseHeaders.getRawHeaders(b"retry-after", [])
            self.assertTrue(1 <= int(wait) <= 5, wait)


class RefusalsOnTwoNodes(test_rest_api.RestRefusalTests):
    """The API's refusals on two ``twistd chatroom`` nodes over one
    ``redis-server``: alice makes robot at node one's line door, ivy is at
    node two's IRC door, and every API call goes through node two. Each
    refusal is its status and JSON code there, and neither alice (node
    one) nor ivy hears a word of robot's refused posts."""

    @defer.inlineCallbacks
    def serve(self) -> Generator[Any, Any, Any]:
        require_a_cluster(search=False)
        url = start_redis(self.addCleanup)
        nodes = []
        for name in ("one", "two"):
            spawned = yield self.spawned("--redis", url, "--node-id", name)
            yield spawned[0].when_output(f"node {name}: in the cluster".encode())
            nodes.append(spawned)
        (self.process, self.line_port, _, _), (_, _, self.irc_port, url_two) = nodes
        self.base = url_two + "api/v1/"
        return self.process
