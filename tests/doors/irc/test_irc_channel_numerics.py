"""Channel commands' numerics as Modern names them: ``403``/``401`` for a
missing channel or nick, ``696`` for a bad key, ``443`` for inviting a
member, no room-wide word of an invitation, an operator stepping down.

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
with a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name the irctest
server test (``progval/irctest``) that checks the same behaviour.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient, IRCTestCase


class MissingTargetTests(IRCTestCase):
    """A channel or nick that does not exist is said to be missing."""

    def test_kick_in_no_channel_is_403(self) -> None:
        """KICK in a channel nobody made (irctest kick
        testKickNonexistentChannel)."""
        alice = self.irc("alice")
        alice.send("KICK #nowhere bob :bye")
        self.assertEqual(alice.numerics(), ["403"])

    def test_mode_op_in_no_channel_is_403(self) -> None:
        """MODE +o in a channel nobody made (irctest chmodes/operator
        testChannelOperatorModeChannelDoesNotExist)."""
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        alice.received()
        alice.send("MODE #nowhere +o alice")
        self.assertEqual(alice.numerics(), ["403"])

    def test_mode_op_of_nobody_is_401_of_an_outsider_441(self) -> None:
        """MODE +o of a nick nobody holds is 401; of someone elsewhere 441
        (irctest chmodes/operator testChannelOperatorModeTargetDoesNotExist,
        testChannelOperatorModeTargetNotInChannel)."""
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        bob = self.irc("bob")
        bob.send("JOIN #other")
        alice.received()
        alice.send("MODE #tea +o nobody")
        self.assertEqual(alice.numerics(), ["401"])
        alice.send("MODE #tea +o bob")
        self.assertEqual(alice.numerics(), ["441"])


class KeyAndInviteTests(IRCTestCase):
    """Keys are checked with 696; invitations of members are 443."""

    def test_bad_keys_are_696_and_change_nothing(self) -> None:
        """A key with a space, too long, empty or a space alone is
        ``696 nick #chan k * :reason`` (irctest chmodes/key
        testKeyValidation); the room stays open."""
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        alice.received()
        for key in ("two words", "long" * 100, "", " "):
            alice.send(f"MODE #tea +k :{key}")
            (reply,) = alice.received()
            self.assertTrue(reply.startswith(":chatroom 696 alice #tea k * :"), reply)
        bob = self.irc("bob")
        bob.send("JOIN #tea")
        self.assertEqual(bob.numerics()[0], "JOIN")

    def test_invite_of_a_member_is_443(self) -> None:
        """Inviting someone already in the channel (irctest invite
        testInviteAlreadyInChannel)."""
        alice = self.irc("alice")
        bob = self.irc("bob")
        for client in (alice, bob):
            client.send("JOIN #tea")
        alice.received()
        alice.send("INVITE bob #tea")
        self.assertEqual(
            alice.received(), [":chatroom 443 alice bob #tea :is already on channel"]
        )

    def test_invitation_is_not_told_to_the_room(self) -> None:
        """Members without invite-notify hear nothing of an invitation
        (irctest invite testInviteNoNotificationForOtherMembers)."""
        alice = self.irc("alice")
        bob = self.irc("bob")
        for client in (alice, bob):
            client.send("JOIN #tea")
        alice.received()
        bob.received()
        self.irc("carol")
        alice.send("INVITE carol #tea")
        self.assertEqual(alice.numerics(), ["341"])
        self.assertEqual(bob.received(), [])


class OperatorStepsDownTests(IRCTestCase):
    """An operator may take their own ``@`` away (irctest invite
    testInviteInviteOnly, for an operator who is not the owner)."""

    def test_operator_deops_themself(self) -> None:
        """bob, opped by the owner, says MODE -o bob: everyone sees it, and
        he is no operator any more (a KICK is then 482)."""
        alice = self.irc("alice")
        bob = self.irc("bob")
        carol = self.irc("carol")
        for client in (alice, bob, carol):
            client.send("JOIN #tea")
        alice.send("MODE #tea +o bob")
        for client in (alice, bob, carol):
            client.received()
        bob.send("MODE #tea -o bob")
        self.assertEqual(alice.received(), [":bob!bob@chatroom MODE #tea -o :bob"])
        bob.received()
        bob.send("KICK #tea carol")
        self.assertEqual(bob.numerics(), ["482"])


class SecretChannelTests(IRCTestCase):
    """``+s`` is ``/set secret on``: NAMES says ``@``, LIST and NAMES hide
    the channel from non-members (irctest names testNames2812Secret,
    chmodes/secret testSecretChannelListCommand)."""

    def listed(self, client: IRCClient) -> list[str]:
        """The channels ``LIST`` shows ``client``."""
        client.send("LIST")
        return [line.split(" ")[3] for line in client.received() if " 322 " in line]

    def test_secret_channel(self) -> None:
        """The owner sets +s: everyone in it sees MODE +s; NAMES is 353 @
        for members, 366 alone for others; LIST shows it to members only;
        a line user's /list leaves it out too."""
        first = self.irc("first")
        first.send("JOIN #gen")
        member = self.irc("member")
        member.send("JOIN #gen")
        first.received()
        member.received()
        first.send("MODE #gen +s")
        self.assertEqual(member.received(), [":first!first@chatroom MODE #gen :+s"])
        first.received()
        first.send("NAMES #gen")
        self.assertEqual(
            first.received()[0], ":chatroom 353 first @ #gen :@first member"
        )
        self.assertIn("#gen", self.listed(first))
        second = self.irc("second")
        self.assertNotIn("#gen", self.listed(second))
        second.send("NAMES #gen")
        self.assertEqual(second.numerics(), ["366"])
        line = self.line("lina")
        line.send("/list")
        self.assertFalse([x for x in line.received() if x.startswith("ROOM gen ")])
        second.send("JOIN #gen")
        second.received()
        self.assertIn("#gen", self.listed(second))
        first.received()  # second's JOIN
        first.send("MODE #gen")
        self.assertEqual(first.received()[0].split(" ")[4], ":+ns")
