"""Private messages kept for an account reach it at the IRC door too.

An IRC user signing in to an account (the server password, ``PASS``)
gets, after the MOTD, what was kept for the account while nobody was
signed in to it: as ``PRIVMSG`` from the sender, with ``@time=`` the time
it was sent when ``server-time`` is on (see ``docs/irc.md``).
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged

PASSWORD = "horse-battery-staple"


class KeptPrivateMessagesTests(CapsTestCase):
    """``/msg`` to an absent account, read later over IRC."""

    def kept(self) -> str:
        """Account alice is away; bob writes to her. Returns bob's copy."""
        alice = self.line("alice")
        alice.send(f"/register {PASSWORD}")
        self.assertEqual(alice.received(), ["REGISTERED alice"])
        alice.send("/quit")
        bob = self.line("bob")
        bob.send("/msg alice see you at four")
        (copy,) = bob.received()
        self.clock.advance(3600)  # she comes back an hour later
        return copy

    def signs_in(self, *caps: str) -> list[str]:
        """alice connects over IRC with ``caps``: every line she gets."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302", f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :A")
        if caps:
            client.send(f"CAP REQ :{' '.join(caps)}")
        client.send("CAP END")
        return client.received()

    def test_after_the_motd_with_its_time(self) -> None:
        """With ``server-time`` the kept message carries the time it was
        sent (an hour ago), after the end of the MOTD."""
        copy = self.kept()
        lines = self.signs_in("server-time")
        motd_end = next(i for i, x in enumerate(lines) if " 376 alice " in x)
        (private,) = [x for x in lines if " PRIVMSG alice " in x]
        self.assertGreater(lines.index(private), motd_end)
        self.assertEqual(
            untagged(private), ":bob!bob@chatroom PRIVMSG alice :see you at four"
        )
        self.assertEqual(tags_of(private)["time"], copy.split()[3])

    def test_without_server_time(self) -> None:
        """Without ``server-time`` it is the plain message, once."""
        self.kept()
        lines = self.signs_in()
        privates = [x for x in lines if " PRIVMSG alice " in x]
        self.assertEqual(privates, [":bob!bob@chatroom PRIVMSG alice :see you at four"])

    def test_msgid_is_not_a_room_id(self) -> None:
        """A kept message's ``msgid`` is a private message's digest, never its
        conversation id (which a room message's ``msgid`` could equal)."""
        self.kept()
        lines = self.signs_in("message-tags")
        (private,) = [x for x in lines if " PRIVMSG alice " in x]
        self.assertTrue(tags_of(private)["msgid"].startswith("p"), private)
