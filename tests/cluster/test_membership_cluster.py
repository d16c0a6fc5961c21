"""Membership decided once, across the nodes of a cluster.

A node decides its members' joins and leaves on the room's seating it has
from its last reply about the room (``chatroom/backends/redis/outcomes.py``);
when another node changed what a decision depended on, the script refuses
with the seating as it is and the node decides again. These tests make the
nodes' views of a room differ, then check what every member sees.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient, redis_backend

LOCAL = "tcp:0:interface=127.0.0.1"


class MembershipClusterTests(ClusterTestCase):
    """Joins, leaves, renames and departures of nodes, on two nodes."""

    @defer.inlineCallbacks
    def test_a_succession_after_joins_elsewhere_is_decided_again(self):
        """alice's node last read ``tea`` when she made it (alone); bob
        then came and went on the other node and carol came: alice leaving
        hands the room to carol, the longest present, not to nobody."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        bob = yield self.client(two, "bob")
        bob.say("/join tea")
        yield alice.expect_line("JOIN tea bob")
        bob.say("/leave")
        yield alice.expect_line("PART tea bob")
        carol = yield self.client(two, "carol")
        carol.say("/join tea")
        yield alice.expect_line("JOIN tea carol")
        alice.say("/leave")
        self.assertEqual((yield carol.expect_line("PART tea ")), "PART tea alice left")
        self.assertEqual((yield carol.expect_line("OWNER tea ")), "OWNER tea carol")
        carol.say("/who")
        self.assertEqual((yield carol.expect_line("OWNER tea")), "OWNER tea carol")

    @defer.inlineCallbacks
    def test_a_join_into_a_room_grown_big_elsewhere_is_decided_again(self):
        """alice's node last read ``tea`` when she made it (alone); bob and
        carol then came on the other node, which made it big: dave's join
        on alice's node, decided as an announced one, is refused by the
        room's step (its premise: not crowded) and decided again, quiet:
        bob hears carol's words after it, and no arrival of dave's."""
        one, two = yield self.start_nodes(2, "--big-room", "2")
        alice = yield self.client(one, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        bob, carol = yield self.clients_of([two, two], ["bob", "carol"])
        for other in (bob, carol):
            other.say("/join tea")
            yield other.expect_line("JOINED tea ")
        dave = yield self.client(one, "dave")
        dave.say("/join tea")
        yield dave.expect_line("JOINED tea ")
        carol.say("after dave")
        yield bob.expect_line("MSG tea carol ")
        self.assertNotIn("JOIN tea dave", bob.lines)

    @defer.inlineCallbacks
    def test_a_rename_across_nodes_is_seen_once(self):
        """alice (one node) shares three rooms with bob (the other): bob
        sees her rename once, before her first words under the new name."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        for client in (alice, bob):
            client.say("/caps multi")
            yield client.expect_line("CAPS ")
        for room in ("tea", "cafe", "den"):
            alice.say(f"/create {room}")
            yield alice.expect_line(f"JOINED {room} ")
            bob.say(f"/join {room}")
            yield alice.expect_line(f"JOIN {room} bob")
        alice.say("/nick alicia")
        self.assertEqual((yield bob.expect_line("NICK ")), "NICK alice alicia")
        alice.say("/say den hi again")
        said = yield bob.expect_line("MSG den alicia ")
        self.assertTrue(said.endswith(" hi again"), said)
        self.assertEqual(
            [line for line in bob.lines if "NICK" in line], ["NICK alice alicia"]
        )

    @defer.inlineCallbacks
    def test_who_names_an_owner_who_is_away(self):
        """Alice's node shuts down with her alone in ``den``, which waits
        for her; bob joins it meanwhile: /who names its absent owner (by
        her name's key while nobody holds it, then as the session holding
        it on another node writes it), and she owns it again on coming back."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(two, "Alice")
        alice.say("/create den")
        yield alice.expect_line("JOINED den ")
        yield two.stopService()
        bob = yield self.client(one, "bob")
        bob.say("/join den")
        yield bob.expect_line("JOINED den ")
        bob.say("/who")
        self.assertEqual((yield bob.expect_line("MEMBERS den")), "MEMBERS den bob")
        self.assertEqual((yield bob.expect_line("OWNER den")), "OWNER den alice")
        back = yield self.client(one, "ALICE")
        bob.say("/who")
        self.assertEqual((yield bob.expect_line("MEMBERS den")), "MEMBERS den bob")
        self.assertEqual((yield bob.expect_line("OWNER den")), "OWNER den ALICE")
        back.say("/join den")
        yield bob.expect_line("JOIN den ALICE")
        bob.say("/who")
        members = yield bob.expect_line("MEMBERS den")
        self.assertEqual(members, "MEMBERS den bob ALICE")
        self.assertEqual((yield bob.expect_line("OWNER den")), "OWNER den ALICE")

    @defer.inlineCallbacks
    def test_a_node_gone_hands_its_owners_rooms_on(self):
        """alice made ``den`` on a node that shuts down: bob, on the node
        that stays, sees her departure, then that he owns the room."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(two, "alice")
        alice.say("/create den")
        yield alice.expect_line("JOINED den ")
        bob = yield self.client(one, "bob")
        bob.say("/join den")
        yield alice.expect_line("JOIN den bob")
        yield two.stopService()
        part = yield bob.expect_line("PART den alice ")
        self.assertEqual(part, "PART den alice server node2 shut down")
        self.assertEqual((yield bob.expect_line("OWNER den ")), "OWNER den bob")


class MembershipCostTests(ClusterTestCase):
    """Deciding on a node costs Redis no more calls than deciding in Lua did."""

    node_options = ("--rate", "0", "--node-ttl", "60")  # no heartbeat meanwhile

    @defer.inlineCallbacks
    def scripts_run(self, node):
        """How many scripts Redis has run (by hash, or by source the once;
        a message's as a function)."""
        connection = redis_backend(node.server).commands.connection
        info = yield connection.execute_command("INFO", "commandstats")
        calls = 0
        for line in info.decode().splitlines():
            if line.startswith(("cmdstat_evalsha:", "cmdstat_eval:", "cmdstat_fcall:")):
                stats = dict(part.split("=") for part in line.split(":")[1].split(","))
                calls += int(stats["calls"]) - int(stats.get("failed_calls", 0))
        return calls

    @defer.inlineCallbacks
    def test_a_join_a_leave_and_a_release_are_one_step_per_slot(self):
        """With the room's seating known from the node's last reply (a
        member's join), bob's join is one script (the room's keys are in
        the server's slot: ``JOIN`` takes the server's step too; its reply
        holds the room's call, which a member who joins while a call is on
        is told of with its welcome), his leave
        two (the room's step, the server's after it; and the lobby's room
        list one), his disconnect three (the server's
        step, the room's, the server's last: chatroom.backends.redis.endings):
        one script per slot each touches
        (chatroom.backends.redis.room_steps)."""
        node = yield self.node()
        alice = yield self.client(node, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        carol = yield self.client(node, "carol")  # every script run once
        carol.say("/join tea")
        yield carol.expect_line("JOINED tea ")
        carol.say("/leave")
        yield carol.expect_line("LEFT tea")
        yield carol.expect_line("ROOMS ")
        bob = yield self.client(node, "bob")
        before = yield self.scripts_run(node)
        bob.say("/join tea")
        yield alice.expect_line("JOIN tea bob")
        bob.say("/limits")  # answered once his join's last step is done
        yield bob.expect_line("LIMITS ")
        joined = yield self.scripts_run(node)
        self.assertEqual(joined - before, 1)  # JOIN, the room's call in its reply
        bob.say("/leave")
        yield bob.expect_line("LEFT tea")
        yield bob.expect_line("ROOMS ")
        left = yield self.scripts_run(node)
        self.assertEqual(left - joined, 3)
        bob.say("/join tea")
        yield alice.expect_line("JOIN tea bob")
        bob.say("/limits")
        yield bob.expect_line("LIMITS ")
        back = yield self.scripts_run(node)
        bob.say("/quit")
        yield alice.expect_line("PART tea bob ")
        endings = redis_backend(node.server).endings
        yield defer.Deferred.fromCoroutine(endings.released("bob"))
        self.assertEqual((yield self.scripts_run(node)) - back, 3)

    @defer.inlineCallbacks
    def test_an_irc_sign_on_is_one_script(self):
        """An IRC client's registration costs Redis one script, the nick's
        claim, which keeps its presence too (USER name, realname: what
        WHOIS on another node shows, at once after the welcome); the
        count of connections is a plain write. Then a WHOIS from another
        node shows the realname."""
        node = yield self.node("--irc", LOCAL)
        yield self.irc_client(node, "ivy")  # the lockdown level read once
        before = yield self.scripts_run(node)
        ian = yield self.irc_client(node, "ian", user="uian", real="Real ian")
        yield self.answered(ian)
        self.assertEqual((yield self.scripts_run(node)) - before, 1)
        yield self.whois_elsewhere("ian")

    @defer.inlineCallbacks
    def test_an_irc_nick_change_keeps_its_presence_in_the_claim(self):
        """A NICK costs Redis five scripts: the claim, which keeps the
        presence under the new nick too, the news to the user's rooms
        (``NEIGHBOURS``), to the watchers of each nick (``MONITOR``) and
        the old nick's WHOWAS entry; a WHOIS from another node then shows
        the realname under the new nick."""
        node = yield self.node("--irc", LOCAL)
        ian = yield self.irc_client(node, "ian", user="uian", real="Real ian")
        before = yield self.scripts_run(node)
        ian.say("NICK iain")
        yield self.answered(ian)
        self.assertEqual((yield self.scripts_run(node)) - before, 5)
        yield self.whois_elsewhere("iain")

    def answered(self, client: LineClient) -> defer.Deferred[str]:
        """Fires once ``client``'s connection has handled what it was sent
        (its commands run in order: a ``PING`` is answered after them)."""
        client.say("PING :done")
        return client.expect(lambda line: line.endswith("PONG chatroom :done"))

    @defer.inlineCallbacks
    def whois_elsewhere(self, nick: str):
        """A WHOIS of ``nick`` from a client of another node shows its
        USER name and realname (ian's: ``uian``, ``Real ian``)."""
        other = yield self.node("--irc", LOCAL)
        ivy = yield self.irc_client(other, "ivy2")
        ivy.say(f"WHOIS {nick}")
        shown = f":chatroom 311 ivy2 {nick} uian chatroom * :Real ian"
        yield ivy.expect(lambda line: line == shown)
