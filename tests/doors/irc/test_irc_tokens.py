"""Ergo's newest tokens at the IRC door: ``no-implicit-names``,
``draft/pre-away``, ``draft/extended-isupport``, ``standard-replies``,
``ACCOUNTEXTBAN`` and ``sts``.

Real :class:`IRCProtocol` objects over ``StringTransport``, as in
:mod:`tests.doors.irc.test_ircv3`; each test is what a client of the
token would notice (the specifications at https://ircv3.net/irc/).
"""

from __future__ import annotations

from chatroom.doors.irc.protocol import IRCPort
from chatroom.doors.irc.sts import STSPolicy
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import AccountsCase
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged


def offered(client: IRCClient, version: str = "302") -> list[str]:
    """What ``CAP LS`` offers ``client``, over all its lines."""
    client.send(f"CAP LS {version}".strip())
    return [
        word for line in client.received() for word in line.split(" :", 1)[1].split()
    ]


def registering(client: IRCClient, *caps: str) -> None:
    """``CAP LS 302`` and ``CAP REQ`` of ``caps``, acknowledged: the
    client is still registering."""
    client.send("CAP LS 302", f"CAP REQ :{' '.join(caps)}")
    assert client.received()[-1].endswith(f"ACK :{' '.join(caps)}")


class NoImplicitNamesTests(CapsTestCase):
    """``no-implicit-names``: a JOIN without the NAMES reply."""

    def test_join_without_names_and_names_when_asked(self) -> None:
        """The client's JOIN is not followed by 353/366; NAMES is answered."""
        self.line_room("owner", "bob")
        alice = self.capped("alice", "no-implicit-names")
        alice.send("JOIN #tea")
        joined = alice.received()
        self.assertTrue(joined[0].startswith(":alice!alice@chatroom JOIN"), joined)
        self.assertEqual([line for line in joined if " 353 " in line], [], joined)
        self.assertEqual([line for line in joined if " 366 " in line], [], joined)
        alice.send("NAMES #tea")
        names = alice.received()
        self.assertEqual([line.split(" ")[1] for line in names], ["353", "366"])
        self.assertIn("bob", names[0])

    def test_others_still_get_names(self) -> None:
        """Without the capability the JOIN's NAMES reply is there."""
        self.line_room("owner", "bob")
        carol = self.capped("carol")
        carol.send("JOIN #tea")
        self.assertIn("366", [line.split(" ")[1] for line in carol.received()])


class PreAwayTests(CapsTestCase):
    """``draft/pre-away``: AWAY before registration completes."""

    def test_away_before_the_welcome(self) -> None:
        """AWAY during CAP negotiation is 306; the user arrives away:
        others' WHOIS and PRIVMSG see the message."""
        alice = IRCClient(self.next_door())
        registering(alice, "draft/pre-away")
        alice.send("AWAY :Gone to lunch")
        self.assertEqual(
            alice.received(),
            [":chatroom 306 * :You have been marked as being away"],
        )
        alice.send("NICK alice", "USER alice 0 * :Alice", "CAP END")
        self.assertIn(" 001 alice ", alice.received()[0])
        bob = self.irc("bob")
        bob.send("PRIVMSG alice :hi")
        self.assertEqual(bob.received(), [":chatroom 301 bob alice :Gone to lunch"])

    def test_joins_away(self) -> None:
        """A user away before the welcome joins away: an ``away-notify``
        member sees its ``AWAY`` right after its ``JOIN``."""
        self.line_room("owner")
        bob = self.capped("bob", "away-notify")
        bob.send("JOIN #tea")
        bob.received()
        alice = IRCClient(self.next_door())
        registering(alice, "draft/pre-away")
        alice.send("AWAY :fetching history", "NICK alice", "USER a 0 * :A", "CAP END")
        alice.send("JOIN #tea")
        seen = [untagged(line) for line in bob.received()]
        self.assertEqual(
            seen,
            [
                ":alice!alice@chatroom JOIN :#tea",
                ":alice!alice@chatroom AWAY :fetching history",
            ],
        )

    def test_away_star_and_back(self) -> None:
        """``AWAY *`` (nobody at the keyboard) is kept; ``AWAY`` is back."""
        alice = IRCClient(self.next_door())
        registering(alice, "draft/pre-away")
        alice.send("AWAY *")
        self.assertEqual(alice.numerics(), ["306"])
        alice.send("AWAY")
        self.assertEqual(alice.numerics(), ["305"])
        alice.send("NICK alice", "USER alice 0 * :Alice", "CAP END")
        alice.received()
        bob = self.irc("bob")
        bob.send("PRIVMSG alice :hi")
        self.assertEqual(bob.received(), [])  # not away

    def test_without_the_capability_away_waits(self) -> None:
        """A client that did not enable it is 451, as for any command
        before registration, and is not away once registered."""
        alice = IRCClient(self.next_door())
        alice.send("AWAY :Gone to lunch")
        self.assertEqual(alice.numerics(), ["451"])
        alice.send("NICK alice", "USER alice 0 * :Alice")
        alice.received()
        bob = self.irc("bob")
        bob.send("PRIVMSG alice :hi")
        self.assertEqual(bob.received(), [])


class ExtendedIsupportTests(CapsTestCase):
    """``draft/extended-isupport``: ISUPPORT, before registration too."""

    def test_isupport_before_registration(self) -> None:
        """With the capability, ISUPPORT before NICK/USER answers 005s
        addressed to ``*``, NETWORK and CHANTYPES among them."""
        client = IRCClient(self.next_door())
        registering(client, "draft/extended-isupport")
        client.send("ISUPPORT")
        lines = client.received()
        self.assertTrue(lines)
        for line in lines:
            self.assertTrue(line.startswith(":chatroom 005 * "), line)
        tokens = " ".join(lines).split()
        self.assertIn("NETWORK=chatroom", tokens)
        self.assertIn("CHANTYPES=#", tokens)

    def test_batched_with_batch(self) -> None:
        """With ``batch`` too, every 005 is inside a ``draft/isupport``
        batch: the ISUPPORT reply and the welcome's."""
        client = IRCClient(self.next_door())
        registering(client, "batch", "draft/extended-isupport")
        client.send("ISUPPORT")
        self.assert_batched(client.received())
        client.send("NICK alice", "USER alice 0 * :Alice", "CAP END")
        welcome = client.received()
        isupport = [line for line in welcome if " 005 " in line or " BATCH " in line]
        self.assert_batched(isupport)

    def assert_batched(self, lines: list[str]) -> None:
        first, *inside, last = lines
        self.assertRegex(first, r"^:chatroom BATCH \+(\S+) draft/isupport$")
        ref = first.split()[2][1:]
        self.assertEqual(last, f":chatroom BATCH -{ref}")
        self.assertTrue(inside)
        for line in inside:
            self.assertEqual(tags_of(line), {"batch": ref})
            self.assertEqual(untagged(line).split()[1], "005")

    def test_without_the_capability(self) -> None:
        """Before registration ISUPPORT is 451 without the capability;
        once registered anyone may ask, and gets unbatched 005s."""
        client = IRCClient(self.next_door())
        client.send("ISUPPORT")
        self.assertEqual(client.numerics(), ["451"])
        alice = self.capped("alice", "batch")
        alice.send("ISUPPORT")
        self.assertEqual(set(alice.numerics()), {"005"})


class StandardRepliesTests(CapsTestCase):
    """The ``standard-replies`` capability is offered and can be enabled."""

    def test_offered_and_acknowledged(self) -> None:
        client = IRCClient(self.next_door())
        self.assertIn("standard-replies", offered(client))
        client.send("CAP REQ standard-replies")
        self.assertEqual(client.received(), [":chatroom CAP * ACK :standard-replies"])


class AccountExtbanTests(AccountsCase):
    """``ACCOUNTEXTBAN``: which extban matches accounts, beside ``EXTBAN``."""

    def test_token_names_the_ban_that_works(self) -> None:
        """005 says ``EXTBAN=$,a`` and ``ACCOUNTEXTBAN=a``; the mask a
        client builds from them (``$a:dave``) keeps the account out."""
        alice = IRCClient(self.factory)
        alice.send("NICK alice", "USER alice 0 * :alice")
        tokens = " ".join(line for line in alice.received() if " 005 " in line)
        values = dict(word.partition("=")[::2] for word in tokens.split())
        self.assertEqual(values["EXTBAN"], "$,a")
        self.assertEqual(values["ACCOUNTEXTBAN"], "a")
        prefix, name = values["EXTBAN"].partition(",")[0], values["ACCOUNTEXTBAN"]
        alice.send("JOIN #tea", f"MODE #tea +b {prefix}{name}:dave")
        alice.received()
        self.account("dave")
        dave = self.signed_in("dave")
        dave.send("JOIN #tea")
        self.assertEqual(dave.numerics(), ["474"])


class STSTests(CapsTestCase):
    """``sts``: the upgrade policy on plain ports, persistence on TLS."""

    def setUp(self) -> None:
        super().setUp()
        self.plain = IRCPort(self.factory, secure=False)
        self.tls = IRCPort(self.factory, secure=True)

    def test_none_without_a_tls_port(self) -> None:
        """No TLS port: no ``sts`` anywhere."""
        words = offered(IRCClient(self.plain))
        self.assertEqual([w for w in words if w.startswith("sts")], [])

    def test_plain_is_sent_to_the_port_tls_keeps_to_tls(self) -> None:
        """A plain connection gets ``port=`` and no duration; a TLS one
        ``duration=`` and no port; a 301 client no ``sts`` (its value is
        required)."""
        self.factory.sts = STSPolicy(port=6697, duration=2592000)
        plain = offered(IRCClient(self.plain))
        self.assertIn("sts=port=6697", plain)
        tls = offered(IRCClient(self.tls))
        self.assertIn("sts=duration=2592000", tls)
        old = offered(IRCClient(self.plain), "")
        self.assertEqual([w for w in old if "sts" in w], [])

    def test_not_requested_nor_on_the_web_socket(self) -> None:
        """``CAP REQ sts`` is NAK (clients must not ask for it); a session
        without an ``--irc`` port (the web page's ``/irc``) is offered none."""
        self.factory.sts = STSPolicy(port=6697, duration=0)
        client = IRCClient(self.plain)
        client.send("CAP REQ sts")
        self.assertEqual(client.received(), [":chatroom CAP * NAK :sts"])
        web = offered(IRCClient(self.factory))
        self.assertEqual([w for w in web if w.startswith("sts")], [])
