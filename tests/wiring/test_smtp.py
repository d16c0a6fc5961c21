"""The SMTP sender (:mod:`chatroom.wiring.mailer`) against a real SMTP
server (aiosmtpd, :mod:`tests.mailserver`) on 127.0.0.1: what arrives, and
each way a mail is not sent, said in one line; and ``--smtp``'s options."""

from __future__ import annotations

import os
import ssl
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.task import Clock
from twisted.python import usage
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from chatroom.core.model.letters import MailUnsentError, verify_letter
from chatroom.wiring.mailer import MailerService, SMTPMailer
from chatroom.wiring.smtp import SMTPServer, smtp_server
from chatroom.wiring.tap import Options
from tests.integration.test_server import write_self_signed
from tests.mailserver import MailServer, text_of
from tests.support import free_port, until

FROM = "Chat Example <noreply@chat.example>"
LETTER = verify_letter(
    "testchat",
    "https://chat.example",
    "alice",
    "alice@example.org",
    "ABCDEFGHJK",
    "https://chat.example/email/verify?account=alice&code=ABCDEFGHJK",
)


class SendingTests(unittest.TestCase):
    timeout = 30

    def mail_server(self, **settings) -> MailServer:
        server = MailServer(**settings)
        self.addCleanup(server.stop)
        return server

    def mailer(self, port: int, **settings) -> SMTPMailer:
        server = SMTPServer("127.0.0.1", port, tls=False, **settings)
        return SMTPMailer(reactor, server, FROM, "testchat", timeout=10)

    @defer.inlineCallbacks
    def test_a_letter_arrives_as_text_and_html(self):
        server = self.mail_server()
        mailer = self.mailer(server.port)
        yield mailer.send(LETTER)
        [(sender, recipients, mail)] = yield server.received(1)
        self.assertEqual(sender, "noreply@chat.example")
        self.assertEqual(recipients, ["alice@example.org"])
        self.assertEqual(str(mail["From"]), FROM)
        self.assertEqual(str(mail["Subject"]), "Verify your e-mail address on testchat")
        self.assertEqual(mail.get_content_type(), "multipart/alternative")
        self.assertIn("/verify ABCDEFGHJK", text_of(mail))
        self.assertIn("-- testchat (https://chat.example)", text_of(mail))
        html = mail.get_body(("html",))
        assert html is not None
        self.assertIn(
            'href="https://chat.example/email/verify?account=alice&amp;code=ABCDEFGHJK"',
            str(html.get_content()),
        )
        self.assertEqual((mailer.sent, mailer.unsent), (1, 0))

    @defer.inlineCallbacks
    def test_a_server_that_is_down_is_said_in_one_line(self):
        port = free_port()
        failure = yield self.assertFailure(
            self.mailer(port).send(LETTER), MailUnsentError
        )
        self.assertIn(f"127.0.0.1:{port} did not take the mail", str(failure))
        self.assertNotIn("\n", str(failure))
        self.assertNotIn("ABCDEFGHJK", str(failure))

    @defer.inlineCallbacks
    def test_a_refused_recipient_is_said(self):
        server = self.mail_server(refuse=True)
        failure = yield self.assertFailure(
            self.mailer(server.port).send(LETTER), MailUnsentError
        )
        self.assertIn("did not take the mail", str(failure))
        self.assertEqual(server.mails, [])

    @defer.inlineCallbacks
    def test_require_tls_sends_nothing_without_starttls(self):
        server = self.mail_server()
        mailer = self.mailer(server.port, require_tls=True)
        yield self.assertFailure(mailer.send(LETTER), MailUnsentError)
        self.assertEqual(server.mails, [])

    @defer.inlineCallbacks
    def test_the_user_signs_in_with_the_password(self):
        server = self.mail_server(login=("chat", "mail secret"))
        wrong = self.mailer(server.port, user="chat", password="not it")
        failure = yield self.assertFailure(wrong.send(LETTER), MailUnsentError)
        self.assertIn("535", str(failure))  # the server's refusal, said at once
        right = self.mailer(server.port, user="chat", password="mail secret")
        yield right.send(LETTER)
        [(_, recipients, _)] = yield server.received(1)
        self.assertEqual(recipients, ["alice@example.org"])


class ShutdownTests(unittest.TestCase):
    """A stop of the server with letters in flight: :class:`MailerService`
    holds it until they are taken, for at most the mailer's timeout (on a
    fake clock here; the letters go over real sockets)."""

    timeout = 30

    @defer.inlineCallbacks
    def held_letter(self):
        """A letter the mail server is slow to take, and the mailer's
        service with its bound on a fake clock: (server, mailer, clock,
        the letter's Deferred, the service)."""
        server = MailServer()
        self.addCleanup(server.stop)
        server.taking.clear()
        clock = Clock()
        settings = SMTPServer("127.0.0.1", server.port, tls=False)
        mailer = SMTPMailer(reactor, settings, FROM, "testchat", clock, timeout=10)
        service = MailerService(mailer)
        service.startService()
        sending = mailer.send(LETTER)
        yield until(lambda: defer.succeed(server.held or None), 10, "a slow mail")
        return server, mailer, clock, sending, service

    @defer.inlineCallbacks
    def test_a_stop_waits_for_the_letter_in_flight(self):
        server, mailer, _, sending, service = yield self.held_letter()
        stopping = service.stopService()
        self.assertFalse(stopping.called, "stopped with a letter in flight")
        server.taking.set()
        yield stopping
        self.assertEqual(len(server.mails), 1)
        self.assertTrue(sending.called)
        self.assertEqual((mailer.sent, mailer.pending), (1, 0))

    @defer.inlineCallbacks
    def test_a_stop_waits_no_longer_than_the_timeout(self):
        server, mailer, clock, sending, service = yield self.held_letter()
        stopping = service.stopService()
        clock.advance(9.9)
        self.assertFalse(stopping.called)
        clock.advance(0.1)  # the letter's own timeout too: it is dropped
        self.assertTrue(stopping.called)
        yield self.assertFailure(sending, MailUnsentError)
        self.assertEqual((mailer.unsent, mailer.pending), (1, 0))
        self.assertEqual(server.mails, [])

    def test_a_stop_with_nothing_in_flight_is_at_once(self):
        settings = SMTPServer("127.0.0.1", free_port(), tls=False)
        mailer = SMTPMailer(reactor, settings, FROM, "testchat", Clock())
        self.assertTrue(MailerService(mailer).stopService().called)


class TLSTests(unittest.TestCase):
    """The sender over TLS to a server whose certificate (for 127.0.0.1)
    the machine trusts (``SSL_CERT_FILE``, which OpenSSL reads as it
    verifies), or does not."""

    timeout = 30

    def setUp(self) -> None:
        directory = FilePath(self.mktemp()).child("tls")
        key, self.certificate = write_self_signed(directory)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.certificate.path, key.path)

    def trusted(self) -> None:
        """The machine trusts the server's certificate, for this test."""
        kept = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = self.certificate.path
        if kept is None:
            self.addCleanup(os.environ.pop, "SSL_CERT_FILE", None)
        else:
            self.addCleanup(os.environ.__setitem__, "SSL_CERT_FILE", kept)

    def sending(self, tls: bool) -> Any:
        """A server with TLS (``tls``: from the first byte), and a letter
        being sent to it."""
        server = MailServer(tls=self.context, implicit_tls=tls)
        self.addCleanup(server.stop)
        settings = SMTPServer("127.0.0.1", server.port, tls)
        mailer = SMTPMailer(reactor, settings, FROM, "testchat", timeout=10)
        return server, mailer.send(LETTER)

    @defer.inlineCallbacks
    def test_starttls_when_the_server_offers_it(self):
        """``smtp://`` (TLS not required) to a server that offers STARTTLS,
        and takes no mail without it: the letter goes over TLS."""
        self.trusted()
        server, sent = self.sending(False)
        yield sent
        yield server.received(1)
        self.assertEqual(server.over_tls, [True])

    @defer.inlineCallbacks
    def test_smtps(self):
        """``smtps://``: TLS from the first byte."""
        self.trusted()
        server, sent = self.sending(True)
        yield sent
        [(_, recipients, _)] = yield server.received(1)
        self.assertEqual((recipients, server.over_tls), (["alice@example.org"], [True]))

    @defer.inlineCallbacks
    def test_a_certificate_not_trusted_sends_nothing(self):
        """The server's certificate is checked: one the machine does not
        trust takes no mail, over STARTTLS or smtps."""
        for implicit in (False, True):
            server, sent = self.sending(implicit)
            failure = yield self.assertFailure(sent, MailUnsentError)
            self.assertIn("did not take the mail", str(failure))
            self.assertEqual(server.mails, [])


class OptionTests(unittest.TestCase):
    def test_urls(self):
        self.assertEqual(
            smtp_server("smtp://mail.example.org"),
            SMTPServer("mail.example.org", 587, tls=False),
        )
        self.assertEqual(
            smtp_server("smtps://chat%40example.org@mail.example.org:2465", "pw"),
            SMTPServer("mail.example.org", 2465, True, "chat@example.org", "pw"),
        )
        for wrong in (
            "mail.example.org",
            "http://mail.example.org",
            "smtp://user:pw@mail.example.org",
            "smtp://mail.example.org:0x",
            "smtp://",
        ):
            with self.assertRaises(ValueError, msg=wrong):
                smtp_server(wrong)

    def parsed(self, *arguments: str) -> Options:
        options = Options()
        options.parseOptions(["--db", ":memory:", *arguments])
        return options

    def test_options(self):
        password_file = self.mktemp()
        with open(password_file, "w") as file:
            file.write("mail secret\n")
        options = self.parsed(
            "--smtp",
            "smtp://chat@mail.example.org",
            "--smtp-password-file",
            password_file,
            "--smtp-require-tls",
        )
        self.assertEqual(
            options.smtp_server,
            SMTPServer("mail.example.org", 587, False, "chat", "mail secret", True),
        )
        self.assertIsNone(self.parsed().smtp_server)
        for wrong in (
            ("--smtp", "ftp://mail.example.org"),
            ("--smtp", "smtp://chat@mail.example.org"),  # no password file
            ("--smtp-require-tls",),  # no --smtp
            ("--require-email",),  # no --smtp
            ("--smtp", "smtp://m.example.org", "--mail-from", "nobody"),
            ("--smtp", "smtp://m.example.org", "--smtp-password-file", "/nowhere"),
        ):
            with self.assertRaises(usage.UsageError, msg=wrong):
                self.parsed(*wrong)
