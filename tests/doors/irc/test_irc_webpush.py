"""``draft/webpush`` at the IRC door, as Ergo and soju speak it.

``CAP LS`` offers ``draft/webpush``; ``005`` carries ``VAPID=<key>``;
``WEBPUSH REGISTER <endpoint> <keys>`` and ``UNREGISTER`` are echoed or
refused with ``FAIL WEBPUSH``; and what a subscription made this way is
pushed is the IRC message itself, sent to a real push service on
127.0.0.1 that decrypts it with the subscription's keys. Real
:class:`IRCProtocol` objects over ``StringTransport``; the core on a
``task.Clock``, the sender on the reactor.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.webpush import push_line
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.webpush import WebPushSender
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.push_endpoint import PushEndpoint, Subscriber, b64url
from tests.support import chat_core


class IRCWebPushTests(AccountsCase):
    """alice has an account; the server has started (its key is read)."""

    config = ServerConfig(
        rate=0, push_idle=60.0, push_allow_http=("http://127.0.0.1:",)
    )

    def setUp(self) -> None:
        super().setUp()
        self.started()
        self.account("alice")
        self.phone = Subscriber("https://push.example/alice")
        self.keys = f"p256dh={self.phone.p256dh};auth={b64url(self.phone.auth)}"

    def kept(self, account: str) -> Any:
        store = chat_core(self.server).notifications.store
        return self.successResultOf(defer.ensureDeferred(store.of([account])))

    def test_capability_and_vapid_token(self) -> None:
        """``draft/webpush`` in ``CAP LS``; ``VAPID=`` in ``005`` is the key
        ``/push key`` gives, the server's."""
        client = self.irc()
        client.send("CAP LS 302")
        offered = [
            cap for line in client.received() for cap in line.split(" :", 1)[1].split()
        ]  # CAP LS 302 may take several lines
        self.assertIn("draft/webpush", offered)
        alice = self.irc()
        alice.send(f"PASS {PASSWORD}", "NICK alice", "USER alice 0 * :alice")
        tokens = " ".join(line for line in alice.received() if " 005 " in line)
        key = self.server.vapid_key
        self.assertEqual(len(key), 87)
        self.assertIn(f" VAPID={key} ", tokens)

    def test_register_and_unregister(self) -> None:
        """REGISTER is echoed and kept as an IRC subscription; UNREGISTER
        is echoed (even for an endpoint not kept, as Ergo does)."""
        alice = self.signed_in("alice")
        alice.send(f"WEBPUSH REGISTER {self.phone.endpoint} {self.keys}")
        self.assertEqual(
            alice.received(),
            [f":chatroom WEBPUSH REGISTER {self.phone.endpoint} {self.keys}"],
        )
        (kept,) = self.kept("alice")["alice"]
        self.assertEqual((kept.endpoint, kept.format), (self.phone.endpoint, "irc"))
        for _ in range(2):
            alice.send(f"WEBPUSH UNREGISTER {self.phone.endpoint}")
            self.assertEqual(
                alice.received(),
                [f":chatroom WEBPUSH UNREGISTER {self.phone.endpoint}"],
            )
        self.assertEqual(self.kept("alice"), {})

    def test_refusals(self) -> None:
        """Without an account ``FORBIDDEN``; a plain http endpoint, keys
        that are no keys, a missing parameter or an unknown subcommand
        ``INVALID_PARAMS``; too few parameters ``461``."""
        guest = self.irc("guest")
        guest.send(f"WEBPUSH REGISTER {self.phone.endpoint} {self.keys}")
        (line,) = guest.received()
        self.assertTrue(
            line.startswith(
                f":chatroom FAIL WEBPUSH FORBIDDEN REGISTER {self.phone.endpoint} :"
            ),
            line,
        )
        alice = self.signed_in("alice")
        for sent in (
            f"WEBPUSH REGISTER http://push.example/x {self.keys}",
            f"WEBPUSH REGISTER {self.phone.endpoint} p256dh=x;auth=y",
            f"WEBPUSH REGISTER {self.phone.endpoint}",
            f"WEBPUSH RENEW {self.phone.endpoint}",
        ):
            alice.send(sent)
            (line,) = alice.received()
            self.assertIn(" FAIL WEBPUSH INVALID_PARAMS ", line)
        alice.send("WEBPUSH REGISTER")
        self.assertIn(" 461 ", alice.received()[0])

    def test_the_push_is_the_irc_message(self) -> Any:
        """alice registers from IRC and leaves; bob's mention of her in tea
        reaches her push service, and decrypts to the IRC line a client
        with message-tags would get (its time, msgid and account), with no
        CR LF."""
        return defer.ensureDeferred(self._pushed())

    async def _pushed(self) -> None:
        endpoint = PushEndpoint().start()
        self.addCleanup(endpoint.port.stopListening)
        guard = OutboundGuard(reactor, OutboundPolicy.parse(["127.0.0.1/32"]))
        sender = WebPushSender(
            guard, reactor, irc_payload=push_line(self.factory.renderer)
        )
        chat_core(self.server).notifications.sender = sender
        phone = Subscriber(endpoint.base + "alice")
        keys = f"p256dh={phone.p256dh};auth={b64url(phone.auth)}"
        self.account("bob")
        bob = self.signed_in("bob")
        bob.send("JOIN #tea")
        alice = self.signed_in("alice")
        alice.send("JOIN #tea", f"WEBPUSH REGISTER {phone.endpoint} {keys}", "QUIT")
        bob.received()
        self.clock.advance(61)
        bob.send("PRIVMSG #tea :alice: lunch?")
        (push,) = await endpoint.arrived(1)
        line = phone.clear(push, self.server.vapid_key).decode()
        tags, rest = line.split(" ", 1)
        self.assertEqual(rest, ":bob!bob@chatroom PRIVMSG #tea :alice: lunch?")
        tagged = dict(tag.split("=", 1) for tag in tags[1:].split(";"))
        self.assertEqual(tagged["account"], "bob")
        self.assertEqual(tagged["msgid"], self.msgid("tea", 1))
        self.assertIn("time", tagged)
