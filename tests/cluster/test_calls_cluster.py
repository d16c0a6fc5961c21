"""Calls across nodes (``--redis``): the call is the cluster's.

``CALL`` lines reach the room's members on every node, ``/call`` on either
node answers the same, a signal crosses to the participant's node (and to
nobody else), and a node that goes away (killed) takes its participants out
of their calls: ``left``, then ``ended`` when none is left.
"""

from __future__ import annotations

import json

from twisted.internet import defer, reactor

from tests.cluster.support import ClusterTestCase
from tests.support import connect_client

OFFER = json.dumps({"description": {"type": "offer", "sdp": "v=0 " + "s" * 6000}})


class CallsAcrossNodesTests(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_one_call_on_two_nodes(self):
        _one, two, alice, bob = yield self.alice_and_bob_in("duo")
        mel = yield self.client(two, "mel")
        mel.say("/join duo")
        yield mel.expect_line("MEMBERS duo")
        alice.say("/call start")
        started = yield bob.expect_line("CALL duo ")
        call = started.split(" ")[2]
        self.assertEqual(started, f"CALL duo {call} started alice -")
        yield mel.expect_line(started)
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice")
        bob.say("/call join")
        yield alice.expect_line(f"CALL duo {call} joined bob")
        yield bob.expect_line(f"CALL_MEMBERS duo {call} alice bob")
        mel.say("/call duo")
        yield mel.expect_line(f"CALL_MEMBERS duo {call} alice bob")
        bob.say(f"/call signal alice {OFFER}")
        signal = yield alice.expect_line("SIGNAL duo bob ")
        self.assertEqual(signal, f"SIGNAL duo bob {OFFER}")
        alice.say('/call signal bob {"candidate": null}')
        yield bob.expect_line('SIGNAL duo alice {"candidate": null}')
        mel.say(f"/call signal alice {OFFER}")
        yield mel.expect_line("ERR NOT_ALLOWED ")
        self.assertFalse([x for x in mel.lines if x.startswith("SIGNAL")])
        alice.say("/call leave")
        yield bob.expect_line(f"CALL duo {call} left alice")
        bob.say("/call leave")
        ended = yield mel.expect_line(f"CALL duo {call} ended ")
        self.assertTrue(ended.startswith(f"CALL duo {call} ended bob "), ended)
        alice.say("/call")
        yield alice.expect_line("CALL_MEMBERS duo -")

    @defer.inlineCallbacks
    def test_a_node_gone_takes_its_participants_out(self):
        """bob's node is killed while he is in alice's call: the survivor
        harvests it, and the call hears bob leave; a call whose only
        participant's node is killed ends, by nobody (``-``)."""
        survivor = yield self.node("--node-ttl", "1.5")
        process, port = yield self.doomed_node()
        alice = yield self.client(survivor, "alice")
        alice.say("/create duo")
        yield alice.expect_line("MEMBERS duo")
        bob = yield connect_client(reactor, port, "bob")
        self.clients.append(bob)
        bob.say("/join duo")
        yield alice.expect_line("JOIN duo bob")
        alice.say("/call start")
        started = yield bob.expect_line("CALL duo ")
        call = started.split(" ")[2]
        bob.say("/call join")
        yield alice.expect_line(f"CALL duo {call} joined bob")
        process.transport.signalProcess("KILL")
        yield alice.expect_line(f"CALL duo {call} left bob")
        alice.say("/call")
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice")
        # a second call whose only participant's node goes: ended by nobody
        carl_node, carl_port = yield self.doomed_node()
        carl = yield connect_client(reactor, carl_port, "carl")
        self.clients.append(carl)
        carl.say("/join duo")
        yield alice.expect_line("JOIN duo carl")
        alice.say("/call leave")
        yield alice.expect_line(f"CALL duo {call} ended alice ")
        carl.say("/call start")
        started = yield alice.expect_line("CALL duo ")
        second = started.split(" ")[2]
        self.assertEqual(started, f"CALL duo {second} started carl -")
        carl_node.transport.signalProcess("KILL")
        yield alice.expect_line(f"CALL duo {second} left carl")
        yield alice.expect_line(f"CALL duo {second} ended - ")

    @defer.inlineCallbacks
    def test_a_signal_reaches_the_one_device_in_the_call(self):
        """bob, an account, is in duo from two devices on node two; his
        laptop joins alice's call (node one): her signal reaches the laptop
        alone, not his phone."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/create duo")
        yield alice.expect_line("MEMBERS duo")
        laptop = yield self.client(two, "bob")
        laptop.say("/register correct horse battery staple")
        yield laptop.expect_line("REGISTERED bob")
        phone = yield self.client(two)
        phone.say("/login bob correct horse battery staple")
        yield phone.expect_line("WELCOME bob")
        for device in (laptop, phone):
            device.say("/caps multi")
            yield device.expect_line("CAPS ")
        laptop.say("/join duo")
        yield alice.expect_line("JOIN duo bob")
        alice.say("/call start")
        started = yield phone.expect_line("CALL duo ")
        call = started.split(" ")[2]
        laptop.say("/call join")
        yield alice.expect_line(f"CALL duo {call} joined bob")
        alice.say(f"/call signal bob {OFFER}")
        yield laptop.expect_line(f"SIGNAL duo alice {OFFER}")
        alice.say("/call duo")  # after the signal, on alice's own connection
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice bob")
        phone.say("/call duo")
        yield phone.expect_line(f"CALL_MEMBERS duo {call} alice bob")
        self.assertFalse([line for line in phone.lines if line.startswith("SIGNAL")])

    @defer.inlineCallbacks
    def in_call_on_two_nodes(self, room: str = "duo"):
        """alice (node one, the room's owner) and bob (node two) in a call
        in ``room``: the nodes, the two and the call's id."""
        one, two, alice, bob = yield self.alice_and_bob_in(room)
        alice.say("/call start")
        started = yield bob.expect_line(f"CALL {room} ")
        call = started.split(" ")[2]
        bob.say("/call join")
        yield alice.expect_line(f"CALL {room} {call} joined bob")
        yield bob.expect_line(f"CALL_MEMBERS {room} {call} alice bob")
        return one, two, alice, bob, call

    @defer.inlineCallbacks
    def test_a_call_goes_on_under_the_rooms_new_name(self):
        """alice renames duo trio during its call: on bob's node (two) the
        call is trio's (``/call``), signals cross both ways named trio, and
        bob's ``/call leave`` there is told under trio, to the end."""
        _one, _two, alice, bob, call = yield self.in_call_on_two_nodes()
        alice.say("/rename trio")
        yield bob.expect_line("RENAMED duo trio alice")
        bob.say("/call")
        yield bob.expect_line(f"CALL_MEMBERS trio {call} alice bob")
        bob.say(f"/call signal alice {OFFER}")
        yield alice.expect_line(f"SIGNAL trio bob {OFFER}")
        alice.say('/call signal bob {"candidate": null}')
        yield bob.expect_line('SIGNAL trio alice {"candidate": null}')
        bob.say("/call leave")
        yield alice.expect_line(f"CALL trio {call} left bob")
        alice.say("/call leave")
        yield bob.expect_line(f"CALL trio {call} ended alice ")
        bob.say("/call trio")
        yield bob.expect_line("CALL_MEMBERS trio -")

    @defer.inlineCallbacks
    def test_a_participants_new_name_on_another_node(self):
        """bob (node two) says ``/nick robert`` in the call: alice (node
        one) is told the participants anew, her signal to robert reaches
        him, and his leave is robert's."""
        _one, _two, alice, bob, call = yield self.in_call_on_two_nodes()
        bob.say("/nick robert")
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice robert")
        yield bob.expect_line(f"CALL_MEMBERS duo {call} alice robert")
        alice.say(f"/call signal robert {OFFER}")
        yield bob.expect_line(f"SIGNAL duo alice {OFFER}")
        alice.say(f"/call signal bob {OFFER}")
        yield alice.expect_line("ERR NOT_ALLOWED ")
        bob.say("/call leave")
        yield alice.expect_line(f"CALL duo {call} left robert")

    @defer.inlineCallbacks
    def test_an_account_leaving_through_another_node_leaves_the_call(self):
        """bob, an account, is in alice's call from his laptop (node two);
        his phone (node one) takes the account out of the room: the laptop's
        participant leaves the call (``left bob``), ``/call`` lists alice
        alone, and a signal to bob is refused."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/create duo")
        yield alice.expect_line("MEMBERS duo")
        laptop = yield self.client(two, "bob")
        laptop.say("/register correct horse battery staple")
        yield laptop.expect_line("REGISTERED bob")
        laptop.say("/caps multi")
        yield laptop.expect_line("CAPS ")
        laptop.say("/join duo")
        yield alice.expect_line("JOIN duo bob")
        alice.say("/call start")
        started = yield laptop.expect_line("CALL duo ")
        call = started.split(" ")[2]
        laptop.say("/call join")
        yield alice.expect_line(f"CALL duo {call} joined bob")
        phone = yield self.client(one)
        phone.say("/caps multi")
        yield phone.expect_line("CAPS ")
        phone.say("/login bob correct horse battery staple")
        yield phone.expect_line("WELCOME bob")
        yield phone.expect_line("JOINED duo ")
        phone.say("/leave duo")
        yield phone.expect_line("LEFT duo")
        yield laptop.expect_line("LEFT duo")
        yield alice.expect_line(f"CALL duo {call} left bob")
        alice.say("/call")
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice")
        alice.say(f"/call signal bob {OFFER}")
        yield alice.expect_line("ERR NOT_ALLOWED ")

    @defer.inlineCallbacks
    def test_a_kick_from_another_node_leaves_the_call(self):
        """alice (node one) kicks bob (node two) out of duo during its call:
        bob's participant leaves it, told on both nodes."""
        _one, _two, alice, bob, call = yield self.in_call_on_two_nodes()
        alice.say("/kick bob")
        yield bob.expect_line("KICKED duo alice")
        yield alice.expect_line(f"CALL duo {call} left bob")
        alice.say("/call")
        yield alice.expect_line(f"CALL_MEMBERS duo {call} alice")
