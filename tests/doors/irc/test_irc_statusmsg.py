"""``STATUSMSG=@`` at the IRC door: ``PRIVMSG @#chan`` reaches the channel's
owner and operators only, at any door.

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
on one server and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name
the irctest server test (``progval/irctest`` statusmsg.py) that checks the
same thing.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient, IRCTestCase


class StatusmsgTests(IRCTestCase):
    """Messages to @#chan."""

    def setUp(self) -> None:
        super().setUp()
        self.chanop = self.irc("chanop")
        self.chanop.send("JOIN #chan")
        self.joe = self.irc("joe")
        self.joe.send("JOIN #chan")
        self.schmoe = self.irc("schmoe")
        self.schmoe.send("JOIN #chan")
        for client in (self.chanop, self.joe, self.schmoe):
            client.received()

    def test_isupport_says_statusmsg(self) -> None:
        """005 carries STATUSMSG=@, matching PREFIX's one prefix."""
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER alice 0 * :A")
        lines = [line for line in client.received() if " 005 " in line]
        self.assertTrue(any(" STATUSMSG=@ " in line for line in lines))

    def test_from_an_operator_to_the_operators(self) -> None:
        """schmoe, made an operator, says something to @#chan: chanop gets
        it as sent, joe (no operator) nothing, schmoe no echo (irctest
        statusmsg testStatusmsgFromOp)."""
        self.chanop.send("MODE #chan +o schmoe")
        for client in (self.chanop, self.joe, self.schmoe):
            client.received()
        self.schmoe.send("PRIVMSG @#chan :this message is for operators")
        self.assertEqual(self.schmoe.received(), [])
        self.assertEqual(
            self.chanop.received(),
            [":schmoe!schmoe@chatroom PRIVMSG @#chan :this message is for operators"],
        )
        self.assertEqual(self.joe.received(), [])

    def test_from_a_member_to_the_operators(self) -> None:
        """Any member may ask the operators (irctest statusmsg
        testStatusmsgFromRegular); a NOTICE stays a NOTICE."""
        self.schmoe.send("NOTICE @#chan :help", "PRIVMSG @#chan :\x01ACTION waves\x01")
        self.assertEqual(self.schmoe.received(), [])
        self.assertEqual(
            self.chanop.received(),
            [
                ":schmoe!schmoe@chatroom NOTICE @#chan :help",
                ":schmoe!schmoe@chatroom PRIVMSG @#chan :* schmoe waves",
            ],
        )
        self.assertEqual(self.joe.received(), [])

    def test_echo_message_echoes_it_to_an_operator(self) -> None:
        """With echo-message, an operator's own message to @#chan comes
        back, as its channel messages do."""
        self.chanop.send("CAP REQ :echo-message")
        self.chanop.received()
        self.chanop.send("PRIVMSG @#chan :note")
        self.assertEqual(
            self.chanop.received(),
            [":chanop!chanop@chatroom PRIVMSG @#chan :note"],
        )

    def test_line_operators_get_it_and_outsiders_are_refused(self) -> None:
        """A line user who is an operator gets the shared OPMSG; someone
        not in the channel is 404 and nobody hears it."""
        line = self.line("lina", "chan")
        self.chanop.send("MODE #chan +o lina")
        line.received()
        self.joe.send("PRIVMSG @#chan :hello ops")
        said = [x for x in line.received() if x.startswith("OPMSG")]
        self.assertEqual(len(said), 1)
        self.assertRegex(said[0], r"^OPMSG chan joe \S+ chanop,lina hello ops$")
        self.chanop.received()
        outsider = self.irc("outsider")
        outsider.send("PRIVMSG @#chan :let me in")
        self.assertEqual(outsider.numerics(), ["404"])
        self.assertEqual(self.chanop.received(), [])
