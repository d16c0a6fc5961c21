"""Several nodes, one Redis: users on different nodes share one chat.

Every test runs a real ``redis-server`` and two or three real nodes on
loopback, and talks to them over real sockets as users would.
"""

from __future__ import annotations

import os
import signal

from twisted.internet import defer

from chatroom.wire.lines import parse_event
from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend, redis_command, until


class CrossNodeChatTests(ClusterTestCase):
    """Rooms, messages and names span the nodes."""

    @defer.inlineCallbacks
    def test_message_reaches_members_on_every_node(self):
        """Members on three nodes: everyone sees everything, in one order."""
        nodes = yield self.start_nodes(3)
        alice = yield self.client(nodes[0], "alice")
        bob = yield self.client(nodes[1], "bob")
        carol = yield self.client(nodes[2], "carol")
        alice.say("/create plans")
        yield alice.expect_line("JOINED plans 1 ")
        bob.say("/join plans")
        yield bob.expect_line("MEMBERS plans alice bob")
        yield alice.expect_line("JOIN plans bob")
        carol.say("/join plans")
        yield carol.expect_line("MEMBERS plans alice bob carol")
        yield bob.expect_line("JOIN plans carol")
        for index in range(30):
            for sender in (alice, bob, carol):
                sender.say(f"line {index}")
        everyone = (alice, bob, carol)
        for client in everyone:
            for _ in range(90):
                yield client.expect_line("MSG plans ")
        streams = [
            [line for line in client.lines if line.startswith("MSG plans ")]
            for client in everyone
        ]
        self.assertEqual(len(streams[0]), 90)
        self.assertEqual(streams[0], streams[1])
        self.assertEqual(streams[0], streams[2])
        for sender in ("alice", "bob", "carol"):
            said = [
                parse_event(line).text
                for line in streams[0]
                if parse_event(line).fields[1] == sender
            ]
            self.assertEqual(said, [f"line {index}" for index in range(30)])

    @defer.inlineCallbacks
    def test_messages_go_on_after_redis_forgets_its_functions(self):
        """A message's script is a Redis function: a Redis that lost it
        (``FUNCTION FLUSH``, as one restarted without its data) is given
        its library by the node that next says something, and nothing is
        lost or refused, on either node."""
        nodes = yield self.start_nodes(2)
        alice = yield self.client(nodes[0], "alice")
        bob = yield self.client(nodes[1], "bob")
        alice.say("/create plans")
        yield alice.expect_line("JOINED plans 1 ")
        bob.say("/join plans")
        yield alice.expect_line("JOIN plans bob")
        alice.say("before")
        yield bob.expect_line("MSG plans alice ")
        listed = yield redis_command(nodes[0].server, "FUNCTION", "LIST")
        self.assertTrue(listed)
        yield redis_command(nodes[0].server, "FUNCTION", "FLUSH")
        self.assertEqual((yield redis_command(nodes[0].server, "FUNCTION", "LIST")), [])
        bob.say("after")
        alice.say("and after")
        heard = yield alice.expect_line("MSG plans bob ")
        self.assertTrue(heard.endswith(" after"))
        heard = yield bob.expect_line("MSG plans alice ")
        self.assertTrue(heard.endswith(" and after"))
        self.assertTrue((yield redis_command(nodes[0].server, "FUNCTION", "LIST")))
        self.assertEqual(
            [line for line in alice.lines + bob.lines if "ERR" in line], []
        )

    @defer.inlineCallbacks
    def test_history_and_topic_come_from_the_whole_room(self):
        """A joiner on another node sees what was said and set on the first."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/create lounge")
        yield alice.expect_line("JOINED lounge ")
        alice.say("hello from node one")
        yield alice.expect_line("MSG lounge alice ")
        alice.say("/topic cluster talk")
        yield alice.expect_line("TOPIC lounge alice cluster talk")
        bob = yield self.client(two, "bob")
        bob.say("/join lounge")
        yield bob.expect_line("JOINED lounge 2 ")
        yield bob.expect_line("MEMBERS lounge alice bob")
        history = yield bob.expect_line("HISTORY lounge alice ")
        self.assertTrue(history.endswith(" hello from node one"))
        yield bob.expect_line("TOPIC lounge alice cluster talk")
        bob.say("/who")
        yield bob.expect_line("MEMBERS lounge alice bob")
        yield bob.expect_line("OWNER lounge alice")

    @defer.inlineCallbacks
    def test_list_counts_members_on_every_node(self):
        """``/list`` on any node counts the members on all of them."""
        one, _two, _alice, _bob = yield self.alice_and_bob_in()
        watcher = yield self.client(one, "watcher")
        watcher.say("/list")
        yield watcher.expect_line("ROOMS 1")
        line = yield watcher.expect_line("ROOM general ")
        self.assertEqual(line, "ROOM general 2 256")

    @defer.inlineCallbacks
    def test_private_message_and_rename_across_nodes(self):
        """``/msg`` finds a user on another node; a rename is seen there too."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        alice.say("/msg BOB psst")
        line = yield bob.expect_line("PRIVMSG alice bob ")
        self.assertTrue(line.endswith(" psst"))
        echo = yield alice.expect_line("PRIVMSG alice bob ")
        self.assertEqual(echo, line)
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        bob.say("/join general")
        yield alice.expect_line("JOIN general bob")
        bob.say("/nick robert")
        yield alice.expect_line("NICK bob robert")
        yield bob.expect_line("NICK bob robert")
        alice.say("/nick robert")
        error = yield alice.expect_line("ERR ")
        self.assertTrue(error.startswith("ERR NAME_TAKEN "))
        newcomer = yield self.client(one, "bob")  # the old name is free again
        self.assertTrue(newcomer.lines[-1].startswith("WELCOME bob"))

    @defer.inlineCallbacks
    def test_leave_and_empty_room_disappears_everywhere(self):
        """The last member leaving on one node removes the room on the other."""
        _one, _two, alice, bob = yield self.alice_and_bob_in("brief")
        alice.say("/leave")
        yield alice.expect_line("LEFT brief")
        part = yield bob.expect_line("PART brief alice ")
        self.assertEqual(part, "PART brief alice left")
        yield bob.expect_line("OWNER brief bob")
        bob.say("/leave")
        yield bob.expect_line("LEFT brief")
        alice.say("/list")
        yield alice.expect_line("ROOMS 1")
        alice.say("/join brief")
        error = yield alice.expect_line("ERR ")
        self.assertTrue(error.startswith("ERR NO_SUCH_ROOM "))


class ClusterRulesTests(ClusterTestCase):
    """Names, capacity and room limits hold across nodes, even under races."""

    @defer.inlineCallbacks
    def test_name_race_has_exactly_one_winner(self):
        """Twenty users on three nodes ask for one name at once: one gets it."""
        nodes = yield self.start_nodes(3)
        clients = yield self.clients_of([nodes[i % 3] for i in range(20)])
        for client in clients:
            client.say("Highlander")
        replies = yield defer.gatherResults(
            [
                client.expect(lambda line: line.startswith(("WELCOME ", "ERR ")))
                for client in clients
            ]
        )
        winners = [reply for reply in replies if reply.startswith("WELCOME ")]
        self.assertEqual(len(winners), 1)
        self.assertEqual(
            {reply.split()[1] for reply in replies if reply.startswith("ERR ")},
            {"NAME_TAKEN"},
        )

    @defer.inlineCallbacks
    def test_capacity_holds_cluster_wide(self):
        """A room of three takes exactly three of six racing joiners on two nodes."""
        one = yield self.node("--room-capacity", "3")
        two = yield self.node("--room-capacity", "3")
        owner = yield self.client(one, "owner")
        owner.say("/create small")
        yield owner.expect_line("JOINED small 1 3")
        clients = yield self.clients_of(
            [(one, two)[i % 2] for i in range(6)], [f"user{i}" for i in range(6)]
        )
        for client in clients:
            client.say("/join small")
        replies = yield defer.gatherResults(
            [
                client.expect(lambda line: line.startswith(("JOINED ", "ERR ")))
                for client in clients
            ]
        )
        self.assertEqual(sum(reply.startswith("JOINED ") for reply in replies), 2)
        self.assertEqual(
            {reply.split()[1] for reply in replies if reply.startswith("ERR ")},
            {"ROOM_FULL"},
        )

    @defer.inlineCallbacks
    def test_max_rooms_holds_cluster_wide(self):
        """``--max-rooms`` counts the rooms made on every node."""
        one = yield self.node("--max-rooms", "2")
        two = yield self.node("--max-rooms", "2")
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        alice.say("/create second")  # "general" is the first
        yield alice.expect_line("JOINED second ")
        bob.say("/create third")
        error = yield bob.expect_line("ERR ")
        self.assertTrue(error.startswith("ERR TOO_MANY_ROOMS "))

    @defer.inlineCallbacks
    def test_delete_returns_members_on_every_node_to_the_lobby(self):
        """The owner deletes a room; members elsewhere are told and listed rooms."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        alice.say("/create doomed")
        yield alice.expect_line("JOINED doomed ")
        bob.say("/join doomed")
        yield bob.expect_line("JOINED doomed ")
        bob.say("/delete doomed")
        error = yield bob.expect_line("ERR ")
        self.assertTrue(error.startswith("ERR NOT_ALLOWED "))
        alice.say("/delete doomed")
        for client in (alice, bob):
            yield client.expect_line("DELETED doomed alice")
            yield client.expect_line("ROOMS 1")
        bob.say("hello?")
        error = yield bob.expect_line("ERR ")
        self.assertTrue(error.startswith("ERR NOT_IN_ROOM "))


class LobbyWatchTests(ClusterTestCase):
    """``/watch on`` pushes room changes made on any node."""

    @defer.inlineCallbacks
    def test_watcher_sees_rooms_come_and_go_on_another_node(self):
        """A room created, joined and emptied on node two is pushed on node one."""
        one, two = yield self.start_nodes(2)
        watcher = yield self.client(one, "watcher")
        watcher.say("/watch on")
        yield watcher.expect_line("LOBBY watching")
        alice = yield self.client(two, "alice")
        alice.say("/create news")
        yield alice.expect_line("JOINED news ")
        pushed = yield watcher.expect_line("ROOM news ")
        self.assertEqual(pushed, "ROOM news 1 256")
        alice.say("/leave")
        yield watcher.expect_line("ROOM_GONE news")

    @defer.inlineCallbacks
    def lobby_subscribers(self, node):
        """How many connections Redis has subscribed to the lobby's news."""
        reply = yield redis_backend(node.server).commands.connection.execute_command(
            "PUBSUB", "NUMSUB", "chatroom:lobby"
        )
        return int(reply[1])

    @defer.inlineCallbacks
    def test_the_list_and_its_watchers_kept_without_news_per_join(self):
        """Node one keeps the room list it read without hearing the lobby
        channel: a room made on node two is in the list of the next sign-in
        on node one all the same. ``/watch on`` subscribes node one to the
        channel (for renames) and its watcher is pushed the next change,
        read from Redis's index of changes; ``/watch off`` ends it."""
        one, two = yield self.start_nodes(2)
        yield self.client(one, "carol")  # node one keeps the rows it read
        alice = yield self.client(two, "alice")
        alice.say("/create news")
        yield alice.expect_line("JOINED news ")
        self.assertEqual((yield self.lobby_subscribers(one)), 0)
        dave = yield self.client(one, "dave")
        self.assertEqual((yield dave.expect_line("ROOM news ")), "ROOM news 1 256")
        dave.say("/watch on")
        yield dave.expect_line("LOBBY watching")
        self.assertEqual((yield self.lobby_subscribers(one)), 1)
        alice.say("/topic hot")
        self.assertEqual((yield dave.expect_line("ROOM news ")), "ROOM news 1 256 hot")
        dave.say("/watch off")
        yield dave.expect_line("LOBBY not watching")

        @defer.inlineCallbacks
        def unsubscribed():
            return (yield self.lobby_subscribers(one)) == 0

        yield until(unsubscribed, 5, "node one no longer hears the lobby")

    @defer.inlineCallbacks
    def test_watching_answered_once_redis_has_subscribed_the_node(self):
        """``LOBBY watching`` comes once Redis has confirmed node one's
        subscription to the lobby's news, so no rename told after the
        answer is missed: with Redis frozen, carol's two ``PING`` lines sent after
        dave's ``/watch on`` are answered and dave's is not; thawed, dave's
        answer comes and the node is subscribed."""
        one, _two = yield self.start_nodes(2)
        dave = yield self.client(one, "dave")
        carol = yield self.client(one, "carol")
        for client in (dave, carol):  # after the sign-in's own calls to Redis
            client.say("/watch off")
            yield client.expect_line("LOBBY not watching")
        os.kill(self.redis.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.redis.pid, signal.SIGCONT)
        dave.say("/watch on")
        for mark in ("one", "two"):  # the second sent once dave's line was read
            carol.say(f"PING {mark}")
            yield carol.expect_line(f"PONG {mark}")
        self.assertNotIn("LOBBY watching", dave.lines)
        os.kill(self.redis.pid, signal.SIGCONT)
        yield dave.expect_line("LOBBY watching")
        self.assertEqual((yield self.lobby_subscribers(one)), 1)

    @defer.inlineCallbacks
    def test_counts_kept_right_on_every_node_through_joins_and_leaves(self):
        """Joins and leaves on nodes two and three change a room's count
        alone, which node one keeps from the counts it reads again: its
        watcher is pushed each count, a topic set between them keeps the
        row whole, and a sign-in on node one is shown the room as it is."""
        one, two, three = yield self.start_nodes(3)
        watcher = yield self.client(one, "watcher")
        watcher.say("/watch on")
        yield watcher.expect_line("LOBBY watching")
        alice = yield self.client(two, "alice")
        alice.say("/create news")
        self.assertEqual((yield watcher.expect_line("ROOM news ")), "ROOM news 1 256")
        bob = yield self.client(three, "bob")
        bob.say("/join news")
        self.assertEqual((yield watcher.expect_line("ROOM news ")), "ROOM news 2 256")
        alice.say("/topic hot")
        pushed = yield watcher.expect_line("ROOM news ")
        self.assertEqual(pushed, "ROOM news 2 256 hot")
        carol = yield self.client(two, "carol")
        carol.say("/join news")
        pushed = yield watcher.expect_line("ROOM news ")
        self.assertEqual(pushed, "ROOM news 3 256 hot")
        bob.say("/leave")
        pushed = yield watcher.expect_line("ROOM news ")
        self.assertEqual(pushed, "ROOM news 2 256 hot")
        dave = yield self.client(one, "dave")
        self.assertEqual((yield dave.expect_line("ROOM news ")), "ROOM news 2 256 hot")
        erin = yield self.client(three, "erin")
        self.assertEqual((yield erin.expect_line("ROOM news ")), "ROOM news 2 256 hot")

    @defer.inlineCallbacks
    def test_secret_room_leaves_the_lobby(self):
        """A room made secret on node two is gone from node one's lobby and
        its /list (general only); made public again, it is back."""
        one, two = yield self.start_nodes(2)
        watcher = yield self.client(one, "watcher")
        watcher.say("/watch on")
        yield watcher.expect_line("LOBBY watching")
        alice = yield self.client(two, "alice")
        alice.say("/create news")
        yield watcher.expect_line("ROOM news ")
        alice.say("/set secret on")
        yield alice.expect_line("SET news secret on alice")
        yield watcher.expect_line("ROOM_GONE news")
        watcher.say("/list")
        self.assertEqual((yield watcher.expect_line("ROOMS ")), "ROOMS 1")
        self.assertEqual((yield watcher.expect_line("ROOM ")), "ROOM general 0 256")
        alice.say("/set secret off")
        self.assertEqual((yield watcher.expect_line("ROOM news ")), "ROOM news 1 256")


class SubscriptionTests(ClusterTestCase):
    """A node hears a room's traffic only while it has members in the room."""

    @defer.inlineCallbacks
    def subscribers(self, node, room: str):
        """How many connections Redis has subscribed to ``room``'s channel."""
        reply = yield redis_backend(node.server).commands.connection.execute_command(
            "PUBSUB", "NUMSUB", f"chatroom:chan:{room}"
        )
        return int(reply[1])

    @defer.inlineCallbacks
    def test_subscribed_only_while_members_are_here(self):
        """Join on node one subscribes it; the last one here leaving unsubscribes."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(two, "alice")
        alice.say("/create quiet")
        yield alice.expect_line("JOINED quiet ")
        self.assertEqual((yield self.subscribers(two, "quiet")), 1)
        bob = yield self.client(one, "bob")
        bob.say("/join quiet")
        yield bob.expect_line("JOINED quiet ")
        self.assertEqual((yield self.subscribers(two, "quiet")), 2)
        bob.say("/leave")
        yield bob.expect_line("LEFT quiet")
        yield bob.expect_line("ROOMS ")  # node one unsubscribed before asking for it
        self.assertEqual((yield self.subscribers(two, "quiet")), 1)

    @defer.inlineCallbacks
    def publishes(self, node, command="publish"):
        """How many PUBLISH calls (or ``command``'s) Redis has run (in
        scripts too)."""
        info = yield redis_backend(node.server).commands.connection.execute_command(
            "INFO", "commandstats"
        )
        for line in info.decode().splitlines():
            if line.startswith(f"cmdstat_{command}:"):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    @defer.inlineCallbacks
    def test_a_sign_in_asks_no_ping_where_nobody_watches_names(self):
        """A sign-in's claim publishes its name's sighting on the watch
        channel, which a node hears only while someone there watches
        names (IRC's MONITOR): on a node where nobody does, nothing it
        published comes back, and no PING waits for it."""
        one, _two = yield self.start_nodes(2)
        yield self.client(one, "alice")  # the room list kept from here on
        pings = yield self.publishes(one, "ping")
        yield self.client(one, "bob")
        self.assertEqual((yield self.publishes(one, "ping")), pings)

    @defer.inlineCallbacks
    def test_a_join_returns_once_its_event_is_here_without_a_ping(self):
        """A join is answered once its JOIN has come to the joiner's node
        (for its members there), known by the event's place in the room's
        channel: no PING asks the subscriber link whether it has caught
        up. The members on both nodes are shown it."""
        one, two = yield self.start_nodes(2)
        alice, carol = yield self.clients_of([one, two], ["alice", "carol"])
        for client in (alice, carol):
            client.say("/join general")
            yield client.expect_line("JOINED general ")
        bob = yield self.client(one, "bob")
        pings = yield self.publishes(one, "ping")
        bob.say("/join general")
        yield bob.expect_line("JOINED general ")
        self.assertEqual((yield self.publishes(one, "ping")), pings)
        yield alice.expect_line("JOIN general bob")
        yield carol.expect_line("JOIN general bob")

    @defer.inlineCallbacks
    def test_one_publish_per_message(self):
        """Ten messages to four members on two nodes cost Redis ten publishes."""
        one, two = yield self.start_nodes(2)
        names = ["alice", "bob", "carol", "dave"]
        clients = yield self.clients_of([one, two, one, two], names)
        for client in clients:
            client.say("/join general")
            yield client.expect_line("JOINED general ")
        before = yield self.publishes(one)
        for index in range(10):
            clients[0].say(f"message {index}")
        for client in clients:
            for _ in range(10):
                yield client.expect_line("MSG general alice ")
        after = yield self.publishes(one)
        self.assertEqual(after - before, 10)
