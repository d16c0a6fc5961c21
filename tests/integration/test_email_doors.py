"""An address given and verified at the web page (headless chromium) and
at the IRC door (``draft/account-registration``'s ``REGISTER`` and
``VERIFY``), on a real ``twistd chatroom`` with ``--require-email``
sending through a real SMTP server (aiosmtpd, :mod:`tests.mailserver`):
until the address is verified the account signs in nowhere else, then it
does; neither the codes nor the passwords reach the server's log."""

from __future__ import annotations

from email.message import EmailMessage

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import LineUser
from tests.integration.test_web_email import MailingCase
from tests.mailserver import code_in

PASSWORD = "tea and biscuits"


class RequiredEmailAtEveryDoorTests(MailingCase):
    mail_options = ("--require-email", "--verify-window", "600")

    def mail_to(self, address: str) -> EmailMessage:
        """The newest mail to ``address``, once one has come."""

        def to_it() -> list[EmailMessage]:
            return [mail for _, to, mail in self.mail.mails if to == [address]]

        wait_for(f"a mail to {address}", lambda: bool(to_it()))
        return to_it()[-1]

    def sign_in_elsewhere(self, name: str) -> str:
        """A ``/login`` to ``name`` at the line door: its first answer."""
        user = LineUser(self.server.line_port, None)
        self.addCleanup(user.close)
        user.send(f"/login {name} {PASSWORD}")
        return user.wait(lambda line: line.startswith(("WELCOME ", "ERR ")))

    def assert_not_logged(self, name: str, *secrets: str) -> None:
        """The log tells of ``name``'s verified address, and holds none of
        ``secrets``."""
        log = (self.folder / "server.log").read_text()
        self.assertIn(f"{name} verified their e-mail address", log)
        for secret in secrets:
            self.assertNotIn(secret, log)

    def test_the_web_page_gives_and_verifies_an_address(self) -> None:
        """Registered from the page's name form, the account is held until
        ``/email`` and ``/verify``, typed in the page, verify its address;
        the page shows each answer."""
        page = self.browser()
        page.register_into(self.server.url, "wes", PASSWORD, "tea")
        self.assertTrue(self.sign_in_elsewhere("wes").startswith("ERR EMAIL_REQUIRED"))

        page.type_into("message-input", "/email wes@example.org")
        page.shows("a code was mailed to wes@example.org")
        code = code_in(self.mail_to("wes@example.org"))
        page.type_into("message-input", "/email")
        page.shows("your account's e-mail address: wes@example.org (pending)")
        page.type_into("message-input", "/verify WRONGCODE2")
        wait_for("the wrong code refused", lambda: "wrong" in page.log())
        page.type_into("message-input", f"/verify {code}")
        page.shows("wes@example.org is verified")
        self.assertEqual(self.sign_in_elsewhere("wes"), "WELCOME wes")
        self.assert_not_logged("wes", code, PASSWORD)

    def test_irc_register_then_verify(self) -> None:
        """``draft/account-registration=email-required``; ``REGISTER``
        with an address answers ``REGISTER VERIFICATION_REQUIRED`` and
        mails a code; ``VERIFY`` with it answers ``VERIFY SUCCESS`` and
        ``900``."""
        asker = self.irc_user("probe")
        asker.send("CAP LS 302")
        offered = asker.wait(lambda line: " CAP probe LS " in line, "CAP LS")
        self.assertIn("draft/account-registration=email-required", offered)

        ivy = self.irc_user("ivy", caps="draft/account-registration")
        ivy.send(f"REGISTER * ivy@example.org :{PASSWORD}")
        pending = ivy.wait(lambda line: " REGISTER " in line, "REGISTER's answer")
        self.assertIn(" REGISTER VERIFICATION_REQUIRED ivy ", pending)
        self.assertTrue(self.sign_in_elsewhere("ivy").startswith("ERR EMAIL_REQUIRED"))
        code = code_in(self.mail_to("ivy@example.org"))
        ivy.send("VERIFY ivy WRONGCODE2")
        wrong = ivy.wait(lambda line: " VERIFY " in line, "VERIFY's refusal")
        self.assertIn("FAIL VERIFY INVALID_CODE ivy ", wrong)
        ivy.send(f"VERIFY ivy {code}")
        ivy.wait(lambda line: " VERIFY SUCCESS ivy " in line, "VERIFY SUCCESS")
        ivy.wait(lambda line: " 900 ivy " in line, "900, signed in")
        self.assertEqual(self.sign_in_elsewhere("ivy"), "WELCOME ivy")
        self.assert_not_logged("ivy", code, PASSWORD)
