"""Reports of messages at the IRC door: ``REPORT``, ``REPORTS`` and
``REPORT CLOSE``, and the moderators' ``NOTICE`` s."""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import tags_of
from tests.support import FakeClient


class ReportTests(IRCTestCase):
    """alice (line) owns tea; carol, mallory and olive are IRC members
    (on two nodes, spread over both)."""

    def reported(self) -> tuple[FakeClient, list[IRCClient], str]:
        """mallory said something unkind: the users, and its id."""
        alice, users = self.line_room("alice", "carol", "mallory", "olive")
        alice.send("/caps ids")
        users[1].send("PRIVMSG #tea :buy cheap pills")
        said = next(
            line.split()[0][1:] for line in alice.received() if " MSG tea " in line
        )
        for user in users:
            user.received()
        return alice, users, said

    def test_a_report_reaches_the_owner_and_operators(self) -> None:
        """carol's ``REPORT`` is answered ``REPORTED``; alice (the line
        owner) hears her ``REPORT`` lines, olive (an operator) a ``NOTICE``
        with the reported text, mallory nothing; carol may not read the
        queue; olive lists it and closes it, and both moderators hear the
        closing."""
        alice, (carol, mallory, olive), said = self.reported()
        alice.send("/op olive")
        for user in (alice, carol, mallory, olive):
            user.received()
        carol.send(f"REPORT #tea {said} :selling pills")
        self.assertEqual(carol.received(), [f":chatroom NOTICE carol :REPORTED {said}"])
        notice = f"REPORT 1 #tea {said} carol selling pills | <mallory> buy cheap pills"
        self.assertEqual(olive.received(), [f":chatroom NOTICE olive :{notice}"])
        self.assertEqual(
            alice.received(),
            [
                f"REPORT 1 tea {said} carol selling pills",
                "REPORT_TEXT 1 mallory buy cheap pills",
            ],
        )
        self.assertEqual(mallory.received(), [])
        carol.send("REPORTS #tea")
        (refusal,) = carol.received()
        self.assertIn("only the owner and operators of tea", refusal)
        olive.send("REPORTS")
        self.assertEqual(
            olive.received(),
            [
                f":chatroom NOTICE olive :{notice}",
                ":chatroom NOTICE olive :REPORTS_END 1",
            ],
        )
        olive.send("REPORT CLOSE 1 :warned")
        self.assertEqual(
            olive.received(), [":chatroom NOTICE olive :REPORT_CLOSED 1 olive warned"]
        )
        self.assertEqual(alice.received(), ["REPORT_CLOSED 1 olive warned"])
        self.assertEqual(carol.received(), [])
        olive.send("REPORT CLOSE 1")
        (refusal,) = olive.received()
        self.assertIn("closed already by olive", refusal)


class ReportAdminTests(AccountsCase):
    """A server admin in no channel hears every room's reports."""

    config = ServerConfig(rate=0, admins=("boss",))

    def test_an_admin_hears_and_closes_a_report(self) -> None:
        self.account("boss")
        boss = IRCClient(self.next_door())
        boss.send(f"PASS {PASSWORD}", "NICK boss", "USER b 0 * :B")
        boss.received()
        alice, (carol, mallory) = self.line_room("alice", "carol", "mallory")
        alice.send("/caps ids")
        mallory.send("PRIVMSG #tea :buy cheap pills")
        said = next(
            line.split()[0][1:] for line in alice.received() if " MSG tea " in line
        )
        carol.send(f"REPORT #tea {said}")
        notice = f"REPORT 1 #tea {said} carol - | <mallory> buy cheap pills"
        self.assertEqual(boss.received(), [f":chatroom NOTICE boss :{notice}"])
        boss.send("REPORT CLOSE 1 :warned")
        self.assertEqual(
            boss.received(), [":chatroom NOTICE boss :REPORT_CLOSED 1 boss warned"]
        )
        self.assertEqual(alice.received()[-1], "REPORT_CLOSED 1 boss warned")

    def test_a_private_message_is_reported_to_the_admins(self) -> None:
        """carol reports mallory's private message by its ``msgid``: the
        admin hears a ``NOTICE`` naming mallory's nick and the text, and
        so does a line admin; alice, owner of the room they share, hears
        nothing."""
        self.account("boss")
        self.account("carol")
        boss = IRCClient(self.next_door())
        boss.send(f"PASS {PASSWORD}", "NICK boss", "USER b 0 * :B")
        alice, (mallory,) = self.line_room("alice", "mallory")
        carol = IRCClient(self.next_door())
        carol.send(f"PASS {PASSWORD}", "CAP REQ :message-tags", "NICK carol")
        carol.send("USER c 0 * :C", "CAP END", "JOIN #tea")
        for user in (boss, alice, mallory, carol):
            user.received()
        mallory.send("PRIVMSG carol :send me your password")
        (line,) = carol.received()
        msgid = tags_of(line)["msgid"]
        carol.send(f"REPORT mallory {msgid} :phishing")
        reported = f":chatroom NOTICE carol :REPORTED {msgid}"
        self.assertEqual(carol.received(), [reported])
        (notice,) = boss.received()
        self.assertRegex(
            notice,
            r"^:chatroom NOTICE boss :REPORT 1 mallory \d+ carol phishing"
            r" \| <mallory> send me your password$",
        )
        self.assertEqual(alice.received(), [])
        carol.send(f"REPORT mallory {msgid}")
        (refusal,) = carol.received()
        self.assertIn("already", refusal)
        carol.send("REPORT mallory nothing")
        (refusal,) = carol.received()
        self.assertIn("NO_SUCH_MESSAGE", refusal)
