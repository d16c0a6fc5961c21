"""A forgotten password, from the web page's "Forgot password?" to the
mail's link, in headless chromium: a real ``twistd chatroom`` sending
through a real SMTP server (aiosmtpd, :mod:`tests.mailserver`), whose log
holds neither the codes nor the passwords."""

from __future__ import annotations

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import LineUser, RealClientsCase, Server
from tests.mailserver import MailServer, code_in, link_in

PASSWORD = "tea and biscuits"
NEW_PASSWORD = "a brand new passphrase"


class MailingCase(RealClientsCase):
    """The server sends through aiosmtpd (``self.mail``)."""

    #: More of the server's options.
    mail_options: tuple[str, ...] = ()

    def start_servers(self) -> None:
        self.mail = MailServer()
        self.addCleanup(self.mail.stop)
        self.server = Server(
            self.folder,
            "--rate",
            "0",
            "--smtp",
            self.mail.url,
            "--name",
            "webchat",
            *self.mail_options,
        )
        self.server.start()
        self.addCleanup(self.server.stop)


class ForgotPasswordTests(MailingCase):
    def mails(self, count: int) -> list:
        wait_for(f"{count} mail(s)", lambda: len(self.mail.mails) >= count)
        return [mail for _, _, mail in self.mail.mails]

    def test_forgot_password_through_the_mails_link(self) -> None:
        user = LineUser(self.server.line_port, f"/register wendy {PASSWORD}")
        self.addCleanup(user.close)
        user.wait(lambda line: line == "REGISTERED wendy")
        user.send("/email wendy@example.org")
        user.wait(lambda line: line == "EMAIL_PENDING wendy@example.org")
        user.send(f"/verify {code_in(self.mails(1)[0])}")
        user.wait(lambda line: line == "EMAIL_VERIFIED wendy@example.org")

        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        wait_for("offered", lambda: page.visible("forgot-button"))  # mail is sent here
        page.element("forgot-button").click()  # no name yet: asked for one
        wait_for("the page asks for a name", lambda: "name first" in page.error())
        page.type_into("name-input", "wendy", enter=False)
        page.element("forgot-button").click()
        wait_for("the reset's note", lambda: page.visible("reset-note"))
        self.assertIn(
            "If wendy has a verified e-mail address", page.element("reset-note").text
        )

        reset_mail = self.mails(2)[1]
        link = link_in(reset_mail)
        page.driver.get(link)
        wait_for("the form", lambda: "Choose a new password" in page.driver.title)
        page.type_into("password", NEW_PASSWORD)
        wait_for(
            "the password changed",
            lambda: "PASSWORD_CHANGED wendy" in page.driver.page_source,
        )
        user.wait(lambda line: line == "BYE password reset")

        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "wendy", enter=False)
        page.type_into("password-input", NEW_PASSWORD)
        page.wait_page("lobby")
        log = (self.folder / "server.log").read_text()
        self.assertIn("GET /email/reset?account=wendy&code=- ", log)
        for secret in (code_in(reset_mail), code_in(self.mails(1)[0])):
            self.assertNotIn(secret, log)
        for secret in (PASSWORD, NEW_PASSWORD):
            self.assertNotIn(secret, log)


#: The answer to the question the page asks on opening: does this server
#: send mail? (``GET /email/mailer``: its status.)
MAILER = """
const done = arguments[arguments.length - 1];
fetch("email/mailer").then((answer) => done(answer.status), () => done(0));
"""


class ForgotPasswordOfferedTests(RealClientsCase):
    """*Forgot password?* is offered only where mail can be sent."""

    def test_not_offered_without_mail(self) -> None:
        """A server without ``--smtp`` (``make run`` unless RUN_OPTIONS gives one)
        sends no mail: its name form has no *Forgot password?*, which
        would promise a mail that never comes."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        self.assertEqual(page.driver.execute_async_script(MAILER), 404)
        self.assertFalse(page.visible("forgot-button"))
        self.assertTrue(page.visible("name-input"))


class ForgotPasswordWithMailTests(MailingCase):
    def test_offered_with_mail(self) -> None:
        """A server with ``--smtp`` says so, and the name form offers
        *Forgot password?*."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        self.assertEqual(page.driver.execute_async_script(MAILER), 200)
        wait_for("offered", lambda: page.visible("forgot-button"))
