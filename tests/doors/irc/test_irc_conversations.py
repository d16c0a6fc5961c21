"""A private message reaches every device of its sender at the IRC door
too (docs/protocol.md, *Private conversations*), as a bouncer shows a
message its user sent from another client: ``:alice!… PRIVMSG bob``. A
conversation's marker moved on a line device shows nothing at IRC
(``draft/read-marker`` names a nick's marker by the connection alone).

Real IRC and line sessions on ``StringTransport``, sharing one server on a
``task.Clock`` (:mod:`tests.doors.irc.test_irc`).
"""

from __future__ import annotations

from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient


class IRCSendersCopyTests(AccountsCase):
    def test_every_device_of_the_sender_gets_its_copy(self) -> None:
        """alice writes to bob from a line device, then from one of her two
        IRC clients: each of her other devices gets every message, and a
        marker her line device moves is no line at IRC."""
        self.account("alice")
        self.account("bob")
        first, second = self.signed_in("alice"), self.signed_in("alice")
        line = FakeClient(self.next_server())
        line.send(f"/login alice {PASSWORD}")
        bob = self.signed_in("bob")
        for client in (first, second, bob):
            client.received()
        line.received()
        line.send("/msg bob from the line door")
        shown = [":alice!alice@chatroom PRIVMSG bob :from the line door"]
        for client in (first, second, bob):
            self.assertEqual(client.received(), shown)
        first.send("PRIVMSG bob :from the first client")
        self.assertEqual(first.received(), [])  # no echo-message: it shows its own
        shown = [":alice!alice@chatroom PRIVMSG bob :from the first client"]
        self.assertEqual(second.received(), shown)
        self.assertEqual(bob.received(), shown)
        copies = [x for x in line.received() if x.startswith("PRIVMSG alice bob ")]
        self.assertEqual(len(copies), 2, copies)
        bob.send("PRIVMSG alice :answer")
        line.received()
        line.send("/read @bob 3")
        self.assertEqual(line.received(), ["READ @bob 3"])
        self.assertEqual(first.received(), [":bob!bob@chatroom PRIVMSG alice :answer"])
