"""Mail for what an account missed, through the SMTP sender to a real SMTP
server (aiosmtpd, :mod:`tests.mailserver`) on 127.0.0.1.

The rule's timers run on a ``task.Clock`` (the server's, in one process),
so thirty idle minutes pass at once; the letters travel on the reactor
to aiosmtpd. alice is away, carol's device is active, dave turned the
mail off: bob mentions all three ten times, and one mail arrives, for
alice, listing the ten.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.accounts.missed_mail import GATHER
from chatroom.wiring.mailer import SMTPMailer
from chatroom.wiring.smtp import SMTPServer
from tests.backends.contracts.missed_mail import CONFIG, IDLE
from tests.mailserver import MailServer, code_in, text_of
from tests.support import FakeClient, chat_core, local_server, until

PASSWORD = "first password"


class MissedMailOverSMTPTests(unittest.TestCase):
    timeout = 30

    def setUp(self) -> None:
        self.mail = MailServer()
        self.addCleanup(self.mail.stop)
        self.clock = Clock()
        sender = SMTPServer("127.0.0.1", self.mail.port, tls=False)
        self.mailer = SMTPMailer(
            reactor, sender, "Chat <noreply@chat.test>", "chatroom"
        )
        self.server = local_server(CONFIG, self.clock, mailer=self.mailer)
        self.server.http_url = "https://chat.example"
        self.server.start()
        self.addCleanup(self.server.stop)

    def said(self, client: FakeClient, *lines: str) -> list[str]:
        for line in lines:
            client.send(line)
        return client.received()

    @defer.inlineCallbacks
    def verified(self, name: str) -> Generator[Any, Any, FakeClient]:
        """``name`` registered, in tea, its address verified by the code
        aiosmtpd received."""
        client = FakeClient(self.server)
        self.said(client, name, f"/register {PASSWORD}", "/join tea")
        before = len(self.mail.mails)
        self.assertIn(
            f"EMAIL_PENDING {name}@example.org",
            self.said(client, f"/email {name}@example.org"),
        )
        mails = yield self.mail.received(before + 1)
        verified = self.said(client, f"/verify {code_in(mails[-1][2])}")
        self.assertEqual(verified, [f"EMAIL_VERIFIED {name}@example.org"])
        return client

    @defer.inlineCallbacks
    def test_missed_mentions_arrive_as_one_mail(self) -> Generator[Any, Any, None]:
        alice = yield self.verified("alice")
        carol = yield self.verified("carol")
        dave = yield self.verified("dave")
        bob = FakeClient(self.server)
        self.said(bob, "bob", "/join tea")
        self.assertIn("MAIL off", self.said(dave, "/set mail off"))
        self.said(alice, "/quit")
        self.said(dave, "/quit")
        verifications = len(self.mail.mails)
        self.clock.advance(IDLE + 1)
        self.said(carol, "still here")
        missed = chat_core(self.server).missed_mail
        yield defer.ensureDeferred(missed.refresh())
        for n in range(10):
            self.said(bob, f"alice carol dave: question {n}")
        self.clock.advance(GATHER + 1)
        mails = yield self.mail.received(verifications + 1)
        [(_, recipients, mail)] = mails[verifications:]
        self.assertEqual(recipients, ["alice@example.org"])
        self.assertEqual(str(mail["Subject"]), "10 messages you missed on chatroom")
        self.assertEqual(mail.get_content_type(), "multipart/alternative")
        text = text_of(mail)
        for n in range(10):
            self.assertIn(f"bob in tea: alice carol dave: question {n}", text)
        self.assertIn("Read them at https://chat.example.", text)
        self.clock.advance(IDLE + GATHER)
        self.assertEqual(missed.sent, 1)  # carol's and dave's never were
        yield until(  # the SMTP conversation is over: no connection is left
            lambda: defer.succeed(self.mailer.sent == verifications + 1 or None),
            10,
            "every mail sent",
        )
