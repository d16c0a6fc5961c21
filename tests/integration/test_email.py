"""E-mail addresses and password resets over real sockets, through a real
SMTP server (aiosmtpd, :mod:`tests.mailserver`): the real service with
``--smtp``, its line door and its HTTP door's links, and its SQLite store.
"""

from __future__ import annotations

import json
from io import BytesIO
from urllib.parse import urlsplit

from twisted.internet import defer, reactor
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from chatroom.core.model.codes import code_hash
from tests.integration.test_doors import DoorsTestCase
from tests.mailserver import MailServer, code_in, link_in, text_of
from tests.support import committed, free_port, log_lines, until

PASSWORD = "first password"
NEW_PASSWORD = "a new passphrase"


class MailTestCase(DoorsTestCase):
    """The service with its line and HTTP doors, sending through aiosmtpd."""

    doors = ()
    mail_refused = False

    def setUp(self):  # trial waits on the Deferred it returns
        self.mail = MailServer(refuse=self.mail_refused)
        self.addCleanup(self.mail.stop)
        self.db = self.mktemp() + ".db"
        self.options = (
            *self.options,
            "--smtp",
            self.mail.url,
            "--mail-from",
            "Chat Test <noreply@chat.test>",
            "--name",
            "testchat",
        )
        return super().setUp()

    @defer.inlineCallbacks
    def registered(self, name: str):
        client = yield self.client(name)
        client.say(f"/register {PASSWORD}")
        yield client.expect_line(f"REGISTERED {name}")
        return client

    @defer.inlineCallbacks
    def verified(self, name: str, address: str):
        """``name`` registered, with ``address`` verified by its code."""
        client = yield self.registered(name)
        before = len(self.mail.mails)
        client.say(f"/email {address}")
        yield client.expect_line(f"EMAIL_PENDING {address}")
        mails = yield self.mail.received(before + 1)
        client.say(f"/verify {code_in(mails[-1][2])}")
        yield client.expect_line(f"EMAIL_VERIFIED {address}")
        return client

    @defer.inlineCallbacks
    def post_form(self, path: str, body: str):
        response = yield Agent(reactor).request(
            b"POST",
            f"http://127.0.0.1:{self.http_port}{path}".encode(),
            Headers({"content-type": ["application/x-www-form-urlencoded"]}),
            FileBodyProducer(BytesIO(body.encode())),
        )
        read = yield readBody(response)
        return response.code, read


class EmailTests(MailTestCase):
    @defer.inlineCallbacks
    def test_an_address_is_verified_by_the_mailed_code(self):
        alice = yield self.registered("alice")
        alice.say("/email")
        yield alice.expect_line("EMAIL none")
        alice.say("/email alice@example.org")
        yield alice.expect_line("EMAIL_PENDING alice@example.org")
        alice.say("/email")
        yield alice.expect_line("EMAIL alice@example.org pending")
        [(sender, recipients, mail)] = yield self.mail.received(1)
        self.assertEqual(sender, "noreply@chat.test")
        self.assertEqual(recipients, ["alice@example.org"])
        self.assertEqual(mail["To"], "alice@example.org")
        self.assertIn("testchat", mail["Subject"])
        self.assertEqual(mail.get_content_type(), "multipart/alternative")
        html = mail.get_body(("html",))
        assert html is not None
        code = code_in(mail)
        self.assertIn(code, str(html.get_content()))
        stored = yield until(
            lambda: defer.succeed(
                committed(self.db, "SELECT mailbox FROM accounts WHERE key = 'alice'")
            ),
            10,
            "the pending address in the store",
        )
        self.assertNotIn(code, stored)  # kept as its hash
        self.assertIn(code_hash(code), stored)
        self.assertIn(
            f":{self.http_port}/email/verify?account=alice&code=", text_of(mail)
        )
        alice.say("/verify WRONGCODE2")
        yield alice.expect_line("ERR BAD_CODE")
        alice.say(f"/verify {code.lower()}")  # as typed: any case
        yield alice.expect_line("EMAIL_VERIFIED alice@example.org")
        alice.say("/email")
        yield alice.expect_line("EMAIL alice@example.org verified")
        alice.say(f"/verify {code}")  # once only
        yield alice.expect_line("ERR BAD_CODE")
        alice.say("/email remove")
        yield alice.expect_line("EMAIL none")
        alice.say("/email")
        yield alice.expect_line("EMAIL none")

    @defer.inlineCallbacks
    def test_the_mailed_link_verifies_the_address(self):
        bob = yield self.registered("bob")
        bob.say("/email bob@example.org")
        yield bob.expect_line("EMAIL_PENDING bob@example.org")
        [(_, _, mail)] = yield self.mail.received(1)
        link = urlsplit(link_in(mail))
        response, body = yield self.get(f"{link.path}?{link.query}")
        self.assertEqual(response.code, 200)
        self.assertIn(b"EMAIL_VERIFIED bob@example.org", body)
        bob.say("/email")
        yield bob.expect_line("EMAIL bob@example.org verified")
        response, body = yield self.get(f"{link.path}?{link.query}")
        self.assertEqual(response.code, 403)
        self.assertIn(b"BAD_CODE", body)

    @defer.inlineCallbacks
    def test_the_address_is_shown_to_nobody_else(self):
        yield self.verified("carol", "carol@example.org")
        dave = yield self.registered("dave")
        dave.say("/email")
        yield dave.expect_line("EMAIL none")
        dave.say("/reset carol")
        yield dave.expect_line("RESET_SENT carol")
        mails = yield self.mail.received(2)  # to carol's address, not dave
        self.assertEqual(mails[-1][1], ["carol@example.org"])
        self.assertFalse(any("carol@example.org" in line for line in dave.lines))

    @defer.inlineCallbacks
    def test_a_mail_said_sent_outlives_a_shutdown(self):
        """The server is stopped while the mail server is still taking
        the reset mail it told dave it sent: the stop waits for it, and
        the mail arrives."""
        yield self.verified("carol", "carol@example.org")
        dave = yield self.registered("dave")
        self.mail.taking.clear()
        dave.say("/reset carol")
        yield dave.expect_line("RESET_SENT carol")
        yield until(lambda: defer.succeed(self.mail.held or None), 10, "a slow mail")
        stopping = self.service.stopService()
        arrived_by_then: list[int] = []
        stopping.addCallback(lambda _: arrived_by_then.append(len(self.mail.mails)))
        yield dave.expect_line("BYE ")
        yield dave.closed
        self.mail.taking.set()
        yield stopping
        self.assertEqual(arrived_by_then, [2], "stopped before the mail was taken")
        self.assertEqual(self.mail.mails[-1][1], ["carol@example.org"])

    @defer.inlineCallbacks
    def test_a_reset_by_mail_changes_the_password_once(self):
        erin = yield self.verified("erin", "erin@example.org")
        stranger = yield self.client()
        stranger.say("/reset erin")
        yield stranger.expect_line("RESET_SENT erin")
        mails = yield self.mail.received(2)
        self.assertEqual(mails[-1][1], ["erin@example.org"])
        code = code_in(mails[-1][2])
        stranger.say(f"/reset erin WRONGCODE2 {NEW_PASSWORD}")
        yield stranger.expect_line("ERR BAD_CODE")
        stranger.say(f"/reset erin {code} {NEW_PASSWORD}")
        yield stranger.expect_line("PASSWORD_CHANGED erin")
        yield erin.expect_line("BYE password reset")
        stranger.say(f"/reset erin {code} another passphrase")
        yield stranger.expect_line("ERR BAD_CODE")
        old = yield self.client()
        old.say(f"/login erin {PASSWORD}")
        yield old.expect_line("ERR BAD_PASSWORD")
        new = yield self.client()
        new.say(f"/login erin {NEW_PASSWORD}")
        yield new.expect_line("WELCOME erin")

    @defer.inlineCallbacks
    def test_a_reset_by_mail_ends_the_device_sessions(self):
        """A page kept a device session of erin's; her password reset by
        mail, the page's token signs nobody in any more."""
        erin = yield self.verified("erin", "erin@example.org")
        erin.say("/session new")
        token = (yield erin.expect_line("SESSION ")).split()[1]
        stranger = yield self.client()
        stranger.say("/reset erin")
        yield stranger.expect_line("RESET_SENT erin")
        mails = yield self.mail.received(2)
        stranger.say(f"/reset erin {code_in(mails[-1][2])} {NEW_PASSWORD}")
        yield stranger.expect_line("PASSWORD_CHANGED erin")
        page = yield self.client()
        page.say(f"/session {token}")
        yield page.expect_line("ERR BAD_TOKEN ")

    @defer.inlineCallbacks
    def test_the_page_is_told_mail_is_sent(self):
        """``GET /email/mailer`` answers ``{"mail": true}``: the page offers
        "Forgot password?"."""
        response, body = yield self.get("/email/mailer")
        self.assertEqual(response.code, 200)
        self.assertEqual(json.loads(body), {"mail": True})

    @defer.inlineCallbacks
    def test_an_unknown_name_or_unverified_address_gets_the_same_answer(self):
        frank = yield self.registered("frank")
        frank.say("/email frank@example.org")  # pending: never mailed a reset
        yield frank.expect_line("EMAIL_PENDING frank@example.org")
        yield self.mail.received(1)
        asker = yield self.client()
        asker.say("/reset nobody")
        yield asker.expect_line("RESET_SENT nobody")
        asker.say("/reset frank")
        yield asker.expect_line("RESET_SENT frank")
        asker.say("/reset nobody SOMECODE22 a new passphrase")
        yield asker.expect_line("ERR BAD_CODE")
        # One more mail, to an account that gets them: the only one since.
        yield self.verified("gina", "gina@example.org")
        self.assertEqual(
            [recipients for _, recipients, _ in self.mail.mails],
            [["frank@example.org"], ["gina@example.org"]],
        )

    @defer.inlineCallbacks
    def test_the_reset_link_opens_a_form_that_sets_the_password(self):
        yield self.verified("hana", "hana@example.org")
        asker = yield self.client()
        asker.say("/reset hana")
        yield asker.expect_line("RESET_SENT hana")
        mails = yield self.mail.received(2)
        link = urlsplit(link_in(mails[-1][2]))
        self.assertEqual(link.path, "/email/reset")
        response, form = yield self.get(f"{link.path}?{link.query}")
        self.assertEqual(response.code, 200)
        self.assertIn(b"<form method=post", form)
        status, done = yield self.post_form(
            "/email/reset",
            f"{link.query}&password={NEW_PASSWORD.replace(' ', '+')}",
        )
        self.assertEqual(status, 200, done)
        self.assertIn(b"PASSWORD_CHANGED hana", done)
        new = yield self.client()
        new.say(f"/login hana {NEW_PASSWORD}")
        yield new.expect_line("WELCOME hana")


class RefusingMailTests(MailTestCase):
    """The SMTP server is up and refuses every recipient."""

    mail_refused = True

    @defer.inlineCallbacks
    def test_a_refused_mail_is_told_in_one_line_and_nothing_stops(self):
        ivan = yield self.registered("ivan")
        ivan.say("/email ivan@example.org")
        yield ivan.expect_line("EMAIL_PENDING ivan@example.org")
        refused = yield ivan.expect_line("ERR MAIL_UNSENT ")
        self.assertIn("did not take the mail", refused)
        ivan.say("/join general")
        yield ivan.expect_line("MEMBERS general")
        ivan.say("still here")
        yield ivan.expect_line("MSG general ivan")


class NoMailTests(DoorsTestCase):
    """No ``--smtp``: the page is told no mail is sent."""

    doors = ()

    @defer.inlineCallbacks
    def test_the_page_is_told_no_mail_is_sent(self):
        """``GET /email/mailer`` is ``404``: the page offers no "Forgot
        password?"."""
        response, body = yield self.get("/email/mailer")
        self.assertEqual(response.code, 404)
        self.assertIn(b"no --smtp", body)


class MailServerDownTests(DoorsTestCase):
    """``--smtp`` names a port nobody listens on."""

    doors = ()

    def setUp(self):  # trial waits on the Deferred it returns
        self.options = (*self.options, "--smtp", f"smtp://127.0.0.1:{free_port()}")
        return super().setUp()

    @defer.inlineCallbacks
    def test_email_says_the_mail_was_not_sent_and_the_chat_goes_on(self):
        """``ERR MAIL_UNSENT`` in one line, and one log line naming the
        account and the server (never the address); the address is kept
        pending, and rooms and resets go on."""
        logged = log_lines(self)
        jane = yield self.client("jane")
        jane.say(f"/register {PASSWORD}")
        yield jane.expect_line("REGISTERED jane")
        jane.say("/email jane@example.org")
        yield jane.expect_line("EMAIL_PENDING jane@example.org")
        refused = yield jane.expect_line("ERR MAIL_UNSENT ")
        self.assertIn("did not take the mail", refused)
        [unsent] = [line for line in logged if "not sent" in line]
        self.assertIn("mail to jane not sent: the mail server at 127.0.0.1:", unsent)
        self.assertFalse([line for line in logged if "jane@example.org" in line])
        jane.say("/email")
        yield jane.expect_line("EMAIL jane@example.org pending")
        jane.say("/join general")
        yield jane.expect_line("MEMBERS general")
        asker = yield self.client()
        asker.say("/reset jane")
        yield asker.expect_line("RESET_SENT jane")


class RequiredEmailTests(MailTestCase):
    """``--require-email``, over real sockets and a real SMTP server."""

    def setUp(self):  # trial waits on the Deferred it returns
        self.options = (*self.options, "--require-email", "--verify-window", "600")
        return super().setUp()

    @defer.inlineCallbacks
    def test_an_account_signs_in_elsewhere_once_verified(self):
        kim = yield self.client()
        kim.say(f"/register kim {PASSWORD}")
        yield kim.expect_line("REGISTERED kim")
        yield kim.expect_line("EMAIL_REQUIRED kim ")
        elsewhere = yield self.client()
        elsewhere.say(f"/login kim {PASSWORD}")
        yield elsewhere.expect_line("ERR EMAIL_REQUIRED ")
        kim.say("/email kim@example.org")
        yield kim.expect_line("EMAIL_PENDING kim@example.org")
        [(_, _, mail)] = yield self.mail.received(1)
        kim.say(f"/verify {code_in(mail)}")
        yield kim.expect_line("EMAIL_VERIFIED kim@example.org")
        elsewhere.say(f"/login kim {PASSWORD}")
        yield elsewhere.expect_line("WELCOME kim")
