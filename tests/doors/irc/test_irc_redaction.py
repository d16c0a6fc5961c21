"""``REDACT`` (IRCv3 ``draft/message-redaction``) at the IRC door, both ways.

Real :class:`IRCProtocol` objects over ``StringTransport`` with a line user
(:class:`tests.support.FakeClient`) on one server and a ``task.Clock``, as
in :mod:`tests.doors.irc.test_ircv3`.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP

REDACTING = ("message-tags", "echo-message", "draft/message-redaction")


class RedactionTests(CapsTestCase):
    """bob (line, ``/caps rich``) owns tea; alice (IRC) may redact, carol
    (IRC) has no capability."""

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.line("bob")
        self.bob.send("/caps rich")
        self.bob.send("/create tea")
        self.alice = self.capped("alice", *REDACTING)
        self.carol = self.capped("carol")
        for client in (self.alice, self.carol):
            client.send("JOIN #tea")
            client.received()
        self.bob.received()

    def said(self, client: IRCClient, text: str) -> str:
        """alice or carol says ``text`` in tea: its id, as bob (a line user
        with ``/caps rich``) sees it."""
        client.send(f"PRIVMSG #tea :{text}")
        (line,) = self.bob.received()
        return line.split(" ")[0][1:]

    def test_capability_is_offered(self) -> None:
        """``CAP LS`` offers draft/message-redaction."""
        irc = IRCClient(self.factory)
        irc.send("CAP LS 302")
        self.assertIn("draft/message-redaction", irc.received()[0].split())

    def test_an_irc_user_deletes_their_message(self) -> None:
        """alice's REDACT deletes her message for everyone: bob (rich) gets
        ``REDACT``, alice the ``REDACT`` with its own msgid, carol (without
        the capability) no REDACT command; the message leaves the history."""
        event_id = self.said(self.alice, "oops")
        msgid = self.msgid("tea", event_id)
        self.alice.received()
        self.carol.received()
        self.alice.send(f"REDACT #tea {msgid} :typo")
        self.assertEqual(self.bob.received(), [f"@2 REDACT tea {event_id} alice typo"])
        (line,) = self.alice.received()
        self.assertEqual(tags_of(line), {"msgid": self.msgid("tea", 2)})
        self.assertEqual(
            untagged(line), f":alice!alice@chatroom REDACT #tea {msgid} :typo"
        )
        self.assertFalse([x for x in self.carol.received() if " REDACT " in x])
        self.bob.send("/history 5")
        self.assertEqual(self.bob.received()[-1], "HISTORY_END tea 1")

    def test_a_line_users_deletion_reaches_irc(self) -> None:
        """bob's ``/redact`` reaches alice as REDACT (no reason: none given)."""
        self.bob.send("hello")
        self.alice.received()
        self.bob.send("/redact 1")
        self.assertEqual(
            [untagged(x) for x in self.alice.received()],
            [f":bob!bob@chatroom REDACT #tea {self.msgid('tea', 1)}"],
        )

    def test_clients_without_the_capability_read_it_in_words(self) -> None:
        """carol (no draft/message-redaction) is told in words who deleted
        which message (by its author and time, never its words) and why,
        not shown a raw protocol event."""
        self.bob.send("hello")
        self.bob.send("spam")
        self.carol.received()
        self.bob.send("/redact 1")
        self.bob.send("/redact 2 off topic")
        said = STAMP[11:19]
        self.assertEqual(
            [untagged(x) for x in self.carol.received()],
            [
                f":chatroom NOTICE #tea :bob deleted their message of {said}",
                f":chatroom NOTICE #tea :bob deleted their message of {said}"
                ": off topic",
            ],
        )

    def test_refusals_are_fail_replies(self) -> None:
        """Unknown ids (the line door's id, another room's msgid, another
        store's, none, a message of no conversation), someone else's
        message, a channel one is not in: the specification's FAIL REDACT
        codes, nothing deleted."""
        self.bob.send("mine")
        self.alice.received()
        self.bob.received()
        unknown = "This message does not exist or is too old"
        mine, elsewhere = self.msgid("tea", 1), self.msgid("general", 1)
        other_store = "0" + mine[1:] if mine[0] != "0" else "1" + mine[1:]
        for line, reply in [
            ("REDACT #tea 99", f"UNKNOWN_MSGID #tea 99 :{unknown}"),
            ("REDACT #tea 1", f"UNKNOWN_MSGID #tea 1 :{unknown}"),
            ("REDACT #tea x1", f"UNKNOWN_MSGID #tea x1 :{unknown}"),
            (f"REDACT #tea {elsewhere}", f"UNKNOWN_MSGID #tea {elsewhere} :{unknown}"),
            (
                f"REDACT #tea {other_store}",
                f"UNKNOWN_MSGID #tea {other_store} :{unknown}",
            ),
            (
                f"REDACT #tea {mine} :no",
                f"REDACT_FORBIDDEN #tea {mine} :You are not authorised to delete "
                "this message",
            ),
            # a nick is a private conversation: alice (no account) has none
            (f"REDACT bob {mine}", f"UNKNOWN_MSGID bob {mine} :{unknown}"),
            (
                f"REDACT #cafe {mine}",
                "INVALID_TARGET #cafe :You cannot delete messages from #cafe",
            ),
            (  # irctest testRedactInvalidTarget: the target is looked at first
                "REDACT #cafe somemsgid",
                "INVALID_TARGET #cafe :You cannot delete messages from #cafe",
            ),
        ]:
            self.alice.send(line)
            self.assertEqual(self.alice.received(), [f":chatroom FAIL REDACT {reply}"])
        self.alice.send("REDACT #tea")
        self.assertIn(" 461 ", self.alice.received()[0])
        self.assertEqual(self.bob.received(), [])
