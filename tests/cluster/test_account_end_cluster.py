"""An account's end across nodes: two real nodes share one real
redis-server. ``/delete-account``, and the operator's deletion and
password reset (as the admin API makes them), made on one node end every
device signed in to the account on both, one that took another name with
``/nick`` on the other node too; another account's device stays."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient

PASSWORD = "correct horse staple"


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
    def test_an_operators_deletion_ends_the_renamed_device_on_the_other_node(
        self,
    ) -> Any:
        one, phone, renamed, bob = yield self.devices()
        deleted = operating.delete(
            one.server.registry, operating.operator(one.server.config), "alice"
        )
        yield defer.ensureDeferred(deleted)
        for device in (phone, renamed):
            yield device.expect_line("BYE killed by chatroom: account deleted")
        yield self.untouched(bob)

    @defer.inlineCallbacks
    def test_an_operators_reset_ends_the_renamed_device_on_the_other_node(
        self,
    ) -> Any:
        one, phone, renamed, bob = yield self.devices()
        server = one.server
        reset = operating.reset_password(
            server.registry,
            server.account_service,
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
