"""E-mail addresses and resets by mail across nodes: two real nodes share
one real redis-server and send through one real SMTP server (aiosmtpd).
A code mailed by one node works on the other, once; a reset made on one
closes the account's devices on both, one gone by another name too;
``--require-email`` holds on both."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.mailserver import MailServer, code_in

PASSWORD = "correct horse staple"
NEW_PASSWORD = "tea and biscuits"


class EmailAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def mailing_nodes(self, *options: str) -> Any:
        self.mail = MailServer()
        self.addCleanup(self.mail.stop)
        nodes = yield self.start_nodes(2, "--smtp", self.mail.url, *options)
        return nodes

    @defer.inlineCallbacks
    def test_a_code_from_one_node_works_on_the_other_once(self) -> Any:
        one, two = yield self.mailing_nodes()
        alice = yield self.client(one)
        alice.say(f"/register alice {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/nick alicia")  # signed in to alice still, under another name
        yield alice.expect_line("NICK alice alicia")
        alice.say("/email alice@example.org")
        yield alice.expect_line("EMAIL_PENDING alice@example.org")
        [(_, _, mail)] = yield self.mail.received(1)
        phone = yield self.client(two)
        phone.say(f"/login alice {PASSWORD}")
        yield phone.expect_line("WELCOME alice")
        phone.say(f"/verify {code_in(mail)}")
        yield phone.expect_line("EMAIL_VERIFIED alice@example.org")
        alice.say(f"/verify {code_in(mail)}")
        yield alice.expect_line("ERR BAD_CODE ")
        alice.say("/email")
        yield alice.expect_line("EMAIL alice@example.org verified")

        asker = yield self.client(two)
        asker.say("/reset alice")
        yield asker.expect_line("RESET_SENT alice")
        mails = yield self.mail.received(2)
        resetter = yield self.client(two)
        resetter.say(f"/reset alice {code_in(mails[-1][2])} {NEW_PASSWORD}")
        yield resetter.expect_line("PASSWORD_CHANGED alice")
        yield alice.expect_line("BYE password reset")
        yield phone.expect_line("BYE password reset")
        again = yield self.client(two)
        again.say(f"/login alice {NEW_PASSWORD}")
        yield again.expect_line("WELCOME alice")

    @defer.inlineCallbacks
    def test_require_email_holds_on_every_node(self) -> Any:
        one, two = yield self.mailing_nodes("--require-email")
        bob = yield self.client(one)
        bob.say(f"/register bob {PASSWORD}")
        yield bob.expect_line("REGISTERED bob")
        yield bob.expect_line("EMAIL_REQUIRED bob ")
        elsewhere = yield self.client(two)
        elsewhere.say(f"/login bob {PASSWORD}")
        yield elsewhere.expect_line("ERR EMAIL_REQUIRED ")
