"""irssi, headless chromium and a line-protocol user in one room.

See :mod:`tests.integration.real_clients` for how each is driven. These are
the checks a person would make by hand with the clients they use.
"""

from __future__ import annotations

from functools import partial

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import RealClientsCase


def ends_with(tail: str, line: str) -> bool:
    """``line`` ends with ``tail`` (a message's text, after a space)."""
    return line.endswith(tail)


class ThreeClientsTests(RealClientsCase):
    """An IRC client, a browser and a line client chat in #general."""

    def test_irssi_browser_and_line_user(self) -> None:
        """Each sees the others' messages (and irssi sees the /me) in its own way."""
        line_user = self.line_user("lina")
        line_user.send("/join general")
        line_user.wait(lambda line: line.startswith("MEMBERS general"))

        irssi = self.irssi("ivy")
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #general")
        irssi.shows("Total of 2 nicks")

        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        wait_for(
            "general in the lobby",
            lambda: "general" in page.element("room-list").text,
        )
        page.element("room-list").find_element("css selector", "button").click()
        page.wait_page("room")
        irssi.shows("wes [wes@chatroom] has joined #general")

        irssi.type_line("hello from irssi")
        page.shows("<ivy> hello from irssi")
        line_user.wait(lambda line: line.endswith(" hello from irssi"), "irssi's line")

        page.type_into("message-input", "hello from the web")
        irssi.shows("< wes> hello from the web")
        line_user.wait(lambda line: line.endswith(" hello from the web"), "the web's")

        line_user.send("hello from the line")
        line_user.send("/me waves")
        irssi.shows("< lina> hello from the line")
        irssi.shows("* lina waves")
        page.shows("<lina> hello from the line")
        page.shows("* lina waves")
        irssi.quit()
        line_user.wait(lambda line: line.startswith("PART general ivy quit: leaving"))


class IrssiModerationTests(RealClientsCase):
    """irssi signed in to an account, moderating and moderated."""

    def test_signed_in_irssi_kicks_and_is_kicked(self) -> None:
        """irssi signs in with the server password; made an operator by the
        line owner, it kicks a line user (who sees KICKED); then the owner
        kicks irssi, whose window shows it."""
        self.register("ivy", "hunter2-hunter2")
        lina = self.line_user("lina")
        lina.send("/create tea")
        dan = self.line_user("dan")
        dan.send("/join tea")
        dan.wait(lambda line: line.startswith("MEMBERS tea"))

        irssi = self.irssi("ivy", password="hunter2-hunter2")
        irssi.shows("You are now logged in as ivy")
        irssi.type_line("/join #tea")
        irssi.shows("Total of 3 nicks")
        lina.send("/op ivy")
        irssi.shows("mode/#tea [+o ivy] by lina")
        irssi.type_line("/kick dan enough")
        dan.wait(lambda line: line == "KICKED tea ivy enough", "dan's KICKED")
        lina.wait(lambda line: line == "KICK tea dan ivy enough", "the room's KICK")

        lina.send("/kick ivy your turn")
        irssi.shows("ivy was kicked from #tea by lina [your turn]")
        lina.wait(lambda line: line == "KICK tea ivy lina your turn")
        # irssi knows it is out: it sends JOIN again (for a channel it is in,
        # /join only shows the window).
        irssi.type_line("/join #tea")
        wait_for(
            "irssi to join again",
            lambda: irssi.screen().count("ivy [ivy@chatroom] has joined #tea") == 2,
        )


class IrssiPassphraseTests(RealClientsCase):
    def test_irssi_signs_in_by_sasl_with_a_passphrase(self) -> None:
        """A passphrase registered at the line door signs irssi in by SASL
        PLAIN, given in quotes as its network's ``-sasl_password``. (Not
        by ``-w``: irssi puts the words of one in /connect's places for
        the password and the nick.)"""
        self.register("ivy", "hunter2 and hunter2")
        irssi = self.irssi("guest")
        irssi.shows("Welcome to chatroom, guest")
        irssi.type_line(
            "/network add -nick ivy -sasl_mechanism plain -sasl_username ivy"
            ' -sasl_password "hunter2 and hunter2" chat'
        )
        irssi.type_line(f"/server add -network chat 127.0.0.1 {self.server.irc_port}")
        irssi.type_line("/connect chat")
        irssi.shows("SASL authentication succeeded")
        irssi.shows("Welcome to chatroom, ivy")


class IrssiAppPasswordTests(RealClientsCase):
    def test_irssi_signs_in_by_sasl_with_an_app_password(self) -> None:
        """ivy makes an app password at the line door; irssi, given it as
        its network's SASL PLAIN password, is signed in to ivy; once ivy
        removes it, irssi's next connection fails SASL."""
        ivy = self.line_user("ivy")
        ivy.send("/register hunter2-hunter2")
        ivy.wait(lambda line: line == "REGISTERED ivy")
        ivy.send("/app-password add irssi")
        made = ivy.wait(lambda line: line.startswith("APP_PASSWORD irssi "))
        password = made.split(" ")[2]
        irssi = self.irssi("guest")
        irssi.shows("Welcome to chatroom, guest")
        irssi.type_line(
            "/network add -nick ivy -sasl_mechanism plain -sasl_username ivy"
            f" -sasl_password {password} chat"
        )
        irssi.type_line(f"/server add -network chat 127.0.0.1 {self.server.irc_port}")
        irssi.type_line("/connect chat")
        irssi.shows("SASL authentication succeeded")
        irssi.shows("You are now logged in as ivy")
        ivy.send("/devices")
        ivy.wait(lambda line: line.startswith("DEVICE ") and " irc " in line)
        ivy.send("/app-password remove irssi")
        ivy.wait(lambda line: line == "APP_PASSWORD_REMOVED irssi")
        irssi.type_line("/disconnect chat")
        irssi.type_line("/connect chat")
        irssi.shows("SASL authentication failed")


class WebClientTests(RealClientsCase):
    """The web client in headless chromium, as a person uses it."""

    def test_sign_in_chat_and_reconnect_after_restart(self) -> None:
        """Sign in, create and join a room, send and receive; typing is not
        disturbed by arriving messages; after a server restart the client
        reconnects by itself, back in its room, and chat goes on."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "bad name!")
        wait_for("the refusal", lambda: "names are 1-32" in page.element("error").text)
        self.assertNotIn("BAD_NAME", page.element("error").text)
        page.element("name-input").clear()
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        page.type_into("create-input", "tea")
        page.wait_page("room")
        self.assertEqual(page.element("room-title").text, "tea")

        bob = self.line_user("bob")
        bob.send("/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))
        page.shows("bob joined")
        self.assertEqual(page.element("members").text.split(), ["wes", "bob"])

        page.type_into("message-input", "half a thou", enter=False)
        bob.send("hello wes")
        page.shows("<bob> hello wes")
        self.assertEqual(
            page.element("message-input").get_attribute("value"), "half a thou"
        )
        page.type_into("message-input", "ght")
        bob.wait(lambda line: line.endswith(" half a thought"), "wes's message")

        self.server.stop()
        wait_for("the client to notice", lambda: "disconnected" in page.status())
        self.server.start()
        wait_for("the client to reconnect", lambda: page.status() == "connected")
        wait_for("wes back in tea", lambda: page.element("room-title").text == "tea")
        page.wait_page("room")
        bob = self.line_user("bob2")
        bob.send("/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))
        page.type_into("message-input", "back again")
        bob.wait(lambda line: line.endswith(" back again"), "wes after the restart")
        bob.send("welcome back")
        page.shows("<bob2> welcome back")

    def test_resumes_without_a_gap_after_a_lost_connection(self) -> None:
        """The connection drops while others talk: once back, the client shows
        what was said meanwhile, after what it had, and nothing twice."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        page.type_into("create-input", "tea")
        page.wait_page("room")
        bob = self.line_user("bob")
        bob.send("/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))
        bob.send("before the cut")
        page.shows("<bob> before the cut")

        # Cut the socket as a network would, and hold the reconnect back.
        page.driver.execute_script("state.quitting = true; state.ws.close();")
        wait_for("the client to notice", lambda: "disconnected" in page.status())
        bob.wait(lambda line: line == "PART tea wes connection closed", "wes gone")
        for text in ("missed one", "missed two"):
            bob.send(text)
            bob.wait(partial(ends_with, " " + text), text)
        page.driver.execute_script("state.quitting = false; connect();")
        page.shows("<bob> missed two")
        log = page.log()
        self.assertIn("bob joined", log)  # the log was kept, not redrawn
        for text in ("<bob> before the cut", "<bob> missed one", "<bob> missed two"):
            self.assertEqual(log.count(text), 1, log)
        self.assertLess(log.index("before the cut"), log.index("missed one"))
        self.assertLess(log.index("missed one"), log.index("missed two"))
