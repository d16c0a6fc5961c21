"""The Matrix bridge on two nodes of one redis-server, both started with
the bridge's options, Synapse's registration pointing at node A: each
event crosses once, whichever node its author is on (one node sends, the
holder of the lease), and a Matrix message reaches the members on both
nodes once."""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from twisted.internet import defer, threads

from chatroom.wiring.matrix import registration_text
from tests.cluster.support import ClusterTestCase, comings_and_goings
from tests.integration.test_matrix_bridge import push_as_homeserver
from tests.matrix import Synapse
from tests.matrix.client import signed_in
from tests.support import free_port, until


class MatrixClusterTests(ClusterTestCase):
    timeout = 240
    node_options = ("--rate", "0", "--node-ttl", "1.5", "--rooms", "general")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.http_a = free_port()
        self.registration = self.folder / "chatroom-registration.yaml"
        self.registration.write_text(
            registration_text(f"http://127.0.0.1:{self.http_a}")
        )
        self.synapse = yield threads.deferToThread(
            Synapse, self.folder, [str(self.registration)]
        )
        self.addCleanup(threads.deferToThread, self.synapse.stop)

    def bridge(self, http: int) -> tuple[str, ...]:
        return (
            "--http", f"tcp:{http}:interface=127.0.0.1",
            "--matrix-registration", str(self.registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
        )  # fmt: skip

    @defer.inlineCallbacks
    def test_each_event_crosses_once(self) -> Generator[Any, Any, None]:
        """A message said on node B and one on node A each reach Matrix
        once; mxdan's message reaches alice (A) and bob (B) once."""
        node_a = yield self.node(*self.bridge(self.http_a))
        node_b = yield self.node(*self.bridge(free_port()))
        alice = yield self.client(node_a, "alice")
        bob = yield self.client(node_b, "bob")
        for user in (alice, bob):
            user.say("/join general")
            yield user.expect_line("MEMBERS general")
        dan = yield signed_in(self, self.synapse, "mxdan")
        room_id = yield threads.deferToThread(dan.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        bob.say("said on node B")
        alice.say("said on node A")

        def said(body: str, event: dict[str, Any]) -> bool:
            return bool(event.get("content", {}).get("body") == body)

        for body in ("said on node B", "said on node A"):
            yield threads.deferToThread(
                dan.wait_event, room_id, repr(body), partial(said, body)
            )
        yield threads.deferToThread(dan.say, room_id, "hello both nodes")
        for user in (alice, bob):
            yield user.expect_line("MSG general mxdan:localhost ")
        yield threads.deferToThread(dan.say, room_id, "the end")
        for user in (alice, bob):
            yield user.expect(lambda line: line.endswith(" the end"))
            heard = [x for x in user.lines if x.endswith(" hello both nodes")]
            self.assertEqual(len(heard), 1, user.lines)
        timeline = yield threads.deferToThread(dan.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        self.assertEqual(bodies.count("said on node B"), 1, bodies)
        self.assertEqual(bodies.count("said on node A"), 1, bodies)

    @defer.inlineCallbacks
    def test_life_and_transactions_across_the_nodes(
        self,
    ) -> Generator[Any, Any, None]:
        """rita (rich), paul (plain) and ivy (IRC) are on node B; Synapse
        pushes to node A. mxdan's message reaches each in its door's form.
        Her /edit, /reply,
        /react and /redact (on B) reach Matrix pointing at her message's
        event; mxdan's edit, reply, reaction and redaction (through A)
        reach her on B as EDIT, a MSG tagged reply=ID, REACT and REDACT.
        A transaction pushed to A, then again to B, and its event in a new
        transaction to B, is said once on both nodes."""
        node_a = yield self.node(*self.bridge(self.http_a))
        http_b = free_port()
        irc = ("--irc", "tcp:0:interface=127.0.0.1")
        node_b = yield self.node(*self.bridge(http_b), *irc)
        ann = yield self.client(node_a, "ann")
        rita = yield self.client(node_b, "rita")
        for user in (ann, rita):
            user.say("/caps rich")
            user.say("/join general")
            yield user.expect_line("MEMBERS general")
        paul = yield self.client(node_b, "paul")
        paul.say("/join general")
        yield paul.expect_line("MEMBERS general")
        ivy = yield self.irc_client(node_b, "ivy")
        ivy.say("JOIN #general")
        yield ivy.expect(lambda line: " 366 " in line)
        dan = yield signed_in(self, self.synapse, "mxdan")
        room_id = yield threads.deferToThread(dan.join, "#chatroom_general:localhost")
        yield rita.expect_line("JOIN general mxdan:localhost")

        def rich_line(words: str) -> Any:
            return rita.expect(lambda line: line.startswith("@") and words in line)

        def arrived(what: str, check: Any) -> Any:
            return threads.deferToThread(dan.wait_event, room_id, what, check)

        def relates(e: dict[str, Any]) -> Any:
            return e.get("content", {}).get("m.relates_to", {})

        rita.say("tea on node B")
        tea = (yield rich_line(" tea on node B")).split(" ")[0][1:].split(";")[0]
        tea_event = (
            yield arrived(
                "rita's message",
                lambda e: e.get("content", {}).get("body") == "tea on node B",
            )
        )["event_id"]
        rita.say(f"/edit {tea} tea at six on node B")
        edit = yield arrived(
            "rita's edit",
            lambda e: (
                e.get("content", {}).get("m.new_content", {}).get("body")
                == "tea at six on node B"
            ),
        )
        self.assertEqual(
            relates(edit), {"rel_type": "m.replace", "event_id": tea_event}
        )
        rita.say(f"/reply {tea} bring cake")
        reply = yield arrived(
            "rita's reply", lambda e: e.get("content", {}).get("body") == "bring cake"
        )
        self.assertEqual(relates(reply), {"m.in_reply_to": {"event_id": tea_event}})
        rita.say(f"/react {tea} 🎉")
        reaction = yield arrived(
            "rita's reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            relates(reaction),
            {"rel_type": "m.annotation", "event_id": tea_event, "key": "🎉"},
        )
        rita.say(f"/redact {tea}")
        yield arrived(
            "rita's redaction",
            lambda e: (
                e.get("type") == "m.room.redaction"
                and tea_event in (e.get("redacts"), e.get("content", {}).get("redacts"))
            ),
        )

        his = yield threads.deferToThread(dan.say, room_id, "coffee?")
        said = yield rich_line("MSG general mxdan:localhost")
        self.assertRegex(
            said, r"^@\d+;bridged=matrix MSG general mxdan:localhost \S+ coffee\?$"
        )
        coffee = said.split(" ")[0][1:].split(";")[0]
        plain = yield paul.expect(lambda line: line.endswith(" coffee?"))
        self.assertRegex(plain, r"^MSG general mxdan:localhost \S+ coffee\?$")
        privmsg = yield ivy.expect(lambda line: line.endswith(" :coffee?"))
        self.assertTrue(
            privmsg.startswith(":mxdan:localhost!")
            and " PRIVMSG #general :" in privmsg,
            privmsg,
        )
        yield threads.deferToThread(
            dan.send,
            room_id,
            {
                "msgtype": "m.text",
                "body": "* coffee!",
                "m.new_content": {"msgtype": "m.text", "body": "coffee!"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": his},
            },
        )
        edited = yield rich_line(" EDIT general ")
        self.assertRegex(
            edited, rf"^@\d+ EDIT general {coffee} mxdan:localhost \S+ coffee!$"
        )
        yield threads.deferToThread(
            dan.send,
            room_id,
            {
                "msgtype": "m.text",
                "body": "> <@chatroom_rita:localhost> coffee?\n\nme please",
                "m.relates_to": {"m.in_reply_to": {"event_id": his}},
            },
        )
        replied = yield rich_line(" me please")
        self.assertRegex(
            replied,
            rf"^@\d+;reply={coffee};bridged=matrix MSG general mxdan:localhost "
            r"\S+ me please$",
        )
        yield threads.deferToThread(
            dan.send,
            room_id,
            {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": his,
                    "key": "👍",
                }
            },
            "m.reaction",
        )
        reacted = yield rich_line(" REACT general ")
        self.assertRegex(reacted, rf"^@\d+ REACT general {coffee} mxdan:localhost 👍")
        yield threads.deferToThread(dan.redact, room_id, his, "typo")
        redacted = yield rich_line(" REDACT general ")
        self.assertRegex(
            redacted, rf"^@\d+ REDACT general {coffee} mxdan:localhost typo"
        )

        hs_token = yaml.safe_load(self.registration.read_text())["hs_token"]
        event = {
            "type": "m.room.message",
            "event_id": "$pushed-to-both-nodes",
            "room_id": room_id,
            "sender": "@mxdan:localhost",
            "content": {"msgtype": "m.text", "body": "pushed to both"},
        }
        path = "/_matrix/app/v1/transactions/"
        for port, txn_id in (
            (self.http_a, "both-1"),
            (http_b, "both-1"),
            (http_b, "both-2"),
        ):
            status = yield threads.deferToThread(
                push_as_homeserver,
                f"http://127.0.0.1:{port}",
                path + txn_id,
                {"events": [event]},
                hs_token,
            )
            self.assertEqual(status, 200)
        yield threads.deferToThread(dan.say, room_id, "the end")
        for user in (ann, rita):
            yield user.expect(lambda line: line.endswith(" the end"))
            pushed = [x for x in user.lines if x.endswith(" pushed to both")]
            self.assertEqual(len(pushed), 1, user.lines)

    @defer.inlineCallbacks
    def bob_and_mxdan(self, node: Any) -> Generator[Any, Any, tuple[Any, ...]]:
        """bob in general through ``node``; mxdan joins its portal (through
        the node Synapse pushes to): bob, mxdan's client, the portal's room
        id, and bob's line of mxdan's JOIN."""
        bob = yield self.client(node, "bob")
        bob.say("/join general")
        yield bob.expect_line("MEMBERS general")
        dan = yield signed_in(self, self.synapse, "mxdan")
        room_id = yield threads.deferToThread(dan.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        joined = yield bob.expect_line("JOIN general mxdan:localhost")
        return bob, dan, room_id, joined

    @defer.inlineCallbacks
    def test_a_stopping_node_hands_its_matrix_users_over(
        self,
    ) -> Generator[Any, Any, None]:
        """mxdan joins the portal through node A (Synapse's registration
        points there: he is seated on A); node A stops. bob, on node B,
        hears no PART, QUIT or JOIN of mxdan, and /who still lists him, as
        node B stands him now. Synapse, pointed at node B and restarted,
        pushes there: mxdan's next message reaches bob, said by his seat
        on node B."""
        node_a = yield self.node(*self.bridge(self.http_a))
        http_b = free_port()
        node_b = yield self.node(*self.bridge(http_b))
        bob, dan, room_id, joined = yield self.bob_and_mxdan(node_b)
        standing_b = node_b.server.registry.standing
        self.assertIsNotNone(node_a.server.registry.standing.find("mxdan:localhost"))
        self.assertIsNone(standing_b.find("mxdan:localhost"))
        yield node_a.stopService()
        self.nodes.remove(node_a)
        seat = standing_b.find("mxdan:localhost")
        self.assertIsNotNone(seat)
        self.assertIn("general", seat.rooms)
        bob.say("/who general")
        listed = yield bob.expect_line("MEMBERS general")
        self.assertIn("mxdan:localhost", listed.split())
        # Synapse pushes to node B from now on
        text = self.registration.read_text()
        self.registration.write_text(
            text.replace(f"127.0.0.1:{self.http_a}", f"127.0.0.1:{http_b}")
        )
        yield threads.deferToThread(self.synapse.stop)
        yield threads.deferToThread(self.synapse.start)
        yield threads.deferToThread(dan.say, room_id, "through node B")
        said = yield bob.expect(lambda line: line.endswith(" through node B"))
        self.assertTrue(said.startswith("MSG general mxdan:localhost "), said)
        self.assertEqual(comings_and_goings(bob.lines, joined, "mxdan"), [])

    @defer.inlineCallbacks
    def test_a_node_started_later_seats_the_matrix_users(
        self,
    ) -> Generator[Any, Any, None]:
        """mxdan is in general through node A; node B starts after: it
        seats him too, in the same seat (bob, on A, hears no JOIN again),
        and carol, joining on B, finds him listed."""
        node_a = yield self.node(*self.bridge(self.http_a))
        bob, _, _, joined = yield self.bob_and_mxdan(node_a)
        node_b = yield self.node(*self.bridge(free_port()))
        standing_b = node_b.server.registry.standing

        def seated() -> defer.Deferred[bool]:
            seat = standing_b.find("mxdan:localhost")
            return defer.succeed(seat is not None and "general" in seat.rooms)

        yield until(seated, 30, "node B seats mxdan")
        carol = yield self.client(node_b, "carol")
        carol.say("/join general")
        listed = yield carol.expect_line("MEMBERS general")
        self.assertIn("mxdan:localhost", listed.split())
        bob.say("/who general")
        yield bob.expect_line("MEMBERS general")
        self.assertEqual(comings_and_goings(bob.lines, joined, "mxdan"), [])

    @defer.inlineCallbacks
    def test_two_nodes_seat_a_matrix_user_past_max_devices(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--max-devices 1``, mxdan (in general through node A) is
        seated by node C as well (started after his join, it seats whom its
        store lists), since standing in a room is none of his devices; node
        A stops, node B (started before his join) seats him too, and bob,
        on B, hears no PART, QUIT or JOIN of him."""
        one_device = ("--max-devices", "1")
        node_a = yield self.node(*self.bridge(self.http_a), *one_device)
        node_b = yield self.node(*self.bridge(free_port()), *one_device)
        bob, _, _, joined = yield self.bob_and_mxdan(node_b)
        node_c = yield self.node(*self.bridge(free_port()), *one_device)

        def seated(*nodes: Any) -> Callable[[], defer.Deferred[bool]]:
            def on_each() -> defer.Deferred[bool]:
                seats = [
                    node.server.registry.standing.find("mxdan:localhost")
                    for node in nodes
                ]
                return defer.succeed(
                    all(seat is not None and "general" in seat.rooms for seat in seats)
                )

            return on_each

        yield until(seated(node_a, node_c), 30, "nodes A and C seat mxdan")
        yield node_a.stopService()
        self.nodes.remove(node_a)
        yield until(seated(node_b, node_c), 30, "nodes B and C seat mxdan")
        bob.say("/who general")
        listed = yield bob.expect_line("MEMBERS general")
        self.assertIn("mxdan:localhost", listed.split())
        self.assertEqual(comings_and_goings(bob.lines, joined, "mxdan"), [])

    @defer.inlineCallbacks
    def test_a_matrix_user_who_leaves_is_let_go_on_every_node(
        self,
    ) -> Generator[Any, Any, None]:
        """mxdan, seated on both nodes (node B started after he joined
        through node A), leaves the portal: bob hears him part once, and
        neither node keeps a device of his, so no node holds his name."""
        node_a = yield self.node(*self.bridge(self.http_a))
        bob, dan, room_id, _ = yield self.bob_and_mxdan(node_a)
        node_b = yield self.node(*self.bridge(free_port()))
        standing_a = node_a.server.registry.standing
        standing_b = node_b.server.registry.standing

        def seated_on_b() -> defer.Deferred[bool]:
            seat = standing_b.find("mxdan:localhost")
            return defer.succeed(seat is not None and "general" in seat.rooms)

        yield until(seated_on_b, 30, "node B seats mxdan")
        yield threads.deferToThread(dan.leave, room_id)
        yield bob.expect_line("PART general mxdan:localhost")

        def let_go_everywhere() -> defer.Deferred[bool]:
            return defer.succeed(
                standing_a.find("mxdan:localhost") is None
                and standing_b.find("mxdan:localhost") is None
            )

        yield until(let_go_everywhere, 30, "mxdan let go on both nodes")
        parts = [line for line in bob.lines if line.startswith("PART general mxdan")]
        self.assertEqual(len(parts), 1, parts)
