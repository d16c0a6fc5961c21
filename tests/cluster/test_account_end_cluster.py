"""An account's end across nodes: two real nodes share one real
redis-server. ``/delete-account``, ``/unregister`` and NickServ's
``DROP`` (all but the device that asked), and the operator's deletion
and password reset (as the admin API makes them), made on one node end
every device signed in to the account on both, one that took another
name with ``/nick`` on the other node too; another account's device
stays."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient

PASSWORD = "correct horse staple"
LOCAL = "tcp:0:interface=127.0.0.1"


class AccountEndAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def devices(self) -> Any:
        """Two nodes; alice registered on the second, where she then took
        ``alicia`` with ``/nick`` (signed in to alice still), and signed in
        on the first under her name; bob registered on the second."""
        one, two = yield self.start_nodes(2)
        renamed: LineClient = yield self.client(two)
        renamed.say(f"/register alice {PASSWORD}")
        yield renamed.expect_line("REGISTERED alice")
        renamed.say("/nick alicia")
        yield renamed.expect_line("NICK alice alicia")
        phone: LineClient = yield self.client(one)
        phone.say(f"/login alice {PASSWORD}")
        yield phone.expect_line("WELCOME alice")
        bob: LineClient = yield self.client(two)
        bob.say(f"/register bob {PASSWORD}")
        yield bob.expect_line("REGISTERED bob")
        return one, phone, renamed, bob

    @defer.inlineCallbacks
    def untouched(self, bob: LineClient) -> Any:
        """bob's device was told no ``BYE`` and still answers."""
        self.assertFalse([line for line in bob.lines if line.startswith("BYE")])
        bob.say("/list")
        yield bob.expect_line("ROOMS ")

    @defer.inlineCallbacks
    def test_delete_account_ends_the_renamed_device_on_the_other_node(
        self,
    ) -> Any:
        """``/delete-account`` on the first node: the device gone by
        ``alicia`` on the second is told ``BYE`` too, and the account is
        gone from the whole cluster."""
        one, phone, renamed, bob = yield self.devices()
        phone.say(f"/delete-account {PASSWORD}")
        yield phone.expect_line("ACCOUNT_DELETED alice")
        for device in (phone, renamed):
            yield device.expect_line("BYE account alice deleted")
        yield self.untouched(bob)
        again: LineClient = yield self.client(one)
        again.say(f"/login alice {PASSWORD}")
        yield again.expect_line("ERR NO_SUCH_ACCOUNT ")

    @defer.inlineCallbacks
    def test_unregister_ends_the_other_devices_on_both_nodes(self) -> Any:
        """``/unregister`` on the first node: a tablet signed in to alice
        under her name on the second (her seat's device there) and the
        device gone by ``alicia`` are told ``BYE account alice deleted``;
        the phone that asked is answered and stays, holding the name
        alone, signed in to nothing, in Redis too; bob is not touched."""
        one, phone, renamed, bob = yield self.devices()
        two = two_of(self.nodes, one)
        tablet: LineClient = yield self.client(two)
        tablet.say(f"/login alice {PASSWORD}")
        yield tablet.expect_line("WELCOME alice")
        phone.say(f"/unregister {PASSWORD}")
        yield phone.expect_line("UNREGISTERED alice")
        for device in (tablet, renamed):
            yield device.expect_line("BYE account alice deleted")
        yield self.untouched(bob)
        yield self.untouched(phone)
        for key in ("alice", "alicia"):
            yield defer.ensureDeferred(
                two.server.registry.backend.endings.released(key)
            )
        redis = one.server.registry.backend.calls.commands.connection
        prefix = one.server.registry.backend.cluster.prefix
        signed = yield redis.hgetall(f"{prefix}signed")
        self.assertNotIn(b"alice", list(signed.values()))
        taker: LineClient = yield self.client(two)
        taker.say("alice")
        yield taker.expect_line("ERR NAME_TAKEN ")
        again: LineClient = yield self.client(two)
        again.say(f"/login alice {PASSWORD}")
        yield again.expect_line("ERR NO_SUCH_ACCOUNT ")

    @defer.inlineCallbacks
    def test_drop_ends_the_other_irc_devices_on_both_nodes(self) -> Any:
        """NickServ ``DROP`` from an IRC device of val on the first node:
        an IRC device of the same nick on the second (val's seat there)
        and one signed in to val as val2 there are closed, told the
        account is deleted; the one that dropped it is answered and
        stays."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        registering: LineClient = yield self.client(two)
        registering.say(f"/register val {PASSWORD}")
        yield registering.expect_line("REGISTERED val")
        registering.say("/quit")
        yield registering.expect_line("BYE")
        dropping = yield self.irc_client(one, "val", password=PASSWORD)
        beside = yield self.irc_client(two, "val", password=PASSWORD)
        renamed = yield self.irc_client(two, "val2")
        renamed.say(f"PRIVMSG NickServ :IDENTIFY val {PASSWORD}")
        yield renamed.expect(lambda line: " 900 " in line)
        dropping.say(f"PRIVMSG NickServ :DROP {PASSWORD}")
        yield dropping.expect(lambda line: "Account val dropped" in line)
        for device in (beside, renamed):
            yield device.expect(
                lambda line: (
                    line.startswith("ERROR ") and line.endswith("(account val deleted)")
                )
            )
        dropping.say("PING :still-here")
        yield dropping.expect(lambda line: "PONG" in line and "still-here" in line)
        self.assertFalse(dropping.is_closed)

    @defer.inlineCallbacks
    def test_an_operators_deletion_ends_the_renamed_device_on_the_other_node(
        self,
    ) -> Any:
        """The operator deletes alice on the first node while her device
        renamed on the second is in a room and has read it: both devices
        end, and once the second node has ended its own, nothing of the
        account is left in Redis (that node's end wrote nothing back)."""
        one, phone, renamed, bob = yield self.devices()
        renamed.say("/create tea")
        yield renamed.expect_line("JOINED tea ")
        renamed.say("alicia says hi")
        yield renamed.expect_line("MSG tea alicia ")
        renamed.say("/read tea 1")
        renamed.say("/list")
        yield renamed.expect_line("ROOMS ")
        redis = one.server.registry.backend.calls.commands.connection
        prefix = one.server.registry.backend.cluster.prefix
        kept = yield redis.keys(f"{prefix}*alice")
        self.assertTrue(kept)  # her markers and remembered rooms
        deleted = operating.delete(
            one.server.registry, operating.operator(one.server.config), "alice"
        )
        yield defer.ensureDeferred(deleted)
        for device in (phone, renamed):
            yield device.expect_line("BYE killed by chatroom: account deleted")
        for node, key in ((one, "alice"), (two_of(self.nodes, one), "alicia")):
            endings = node.server.registry.backend.endings
            yield defer.ensureDeferred(endings.released(key))
        self.assertEqual((yield redis.keys(f"{prefix}*alice")), [])
        self.assertFalse((yield redis.hexists(f"{prefix}accounts", "alice")))
        signed = yield redis.hgetall(f"{prefix}signed")
        self.assertNotIn(b"alice", list(signed.values()))
        yield self.untouched(bob)

    @defer.inlineCallbacks
    def test_an_operators_reset_ends_the_renamed_device_on_the_other_node(
        self,
    ) -> Any:
        one, phone, renamed, bob = yield self.devices()
        server = one.server
        reset = operating.reset_password(
            server.registry,
            operating.operator(server.config),
            "alice",
            "tea and biscuits",
        )
        yield defer.ensureDeferred(reset)
        for device in (phone, renamed):
            yield device.expect_line("BYE password reset by chatroom")
        yield self.untouched(bob)
        again: LineClient = yield self.client(one)
        again.say("/login alice tea and biscuits")
        yield again.expect_line("WELCOME alice")


def two_of(nodes: list[Any], one: Any) -> Any:
    """The node of the two that is not ``one``."""
    (two,) = [node for node in nodes if node is not one]
    return two
