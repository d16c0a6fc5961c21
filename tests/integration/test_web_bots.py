"""A bot account in the web client (chromium): its messages carry the
bordered "bot" mark after its nick, live and in the history a page
joining later gets, and a person's beside it carries none; a bot signs
in at the page's own form with its token as its password.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.integration.real_clients import BrowserPage, LineUser, Server
from tests.integration.web_support import WebCase


def api_post(server: Server, token: str, path: str, body: Any = None) -> Any:
    """A bot's ``POST /api/v1/PATH`` at ``server``: its JSON answer (a
    refusal raises)."""
    call = urllib.request.Request(
        f"{server.url}api/v1/{path}",
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
        },
    )
    with urllib.request.urlopen(call, timeout=30) as answer:
        return json.loads(answer.read())


class WebBotAccountTests(WebCase):
    def api_server(self) -> Server:
        """Where a bot's REST calls go (the page's own server)."""
        return self.server

    def marks(self, page: BrowserPage, text: str) -> list[str]:
        """The bot marks on the message line whose words contain ``text``."""
        lines: list[Any] = [
            item
            for item in self.find(page, "#log li[data-id]")
            if text in item.find_element("css selector", ".text").text
        ]
        return [mark.text for mark in lines[-1].find_elements("css selector", ".bot")]

    def test_a_bot_accounts_messages_are_marked(self) -> None:
        """alice makes bot ``deployer`` (``/bot add``); it signs in with
        ``/login NAME TOKEN`` at the line door and speaks in tea: wes's page
        marks its message "bot" and alice's not; a page joining later sees
        the mark in the history; the bot's own page, signed in with the
        token at the name form, is back in tea (the account's room) and
        marks what it says."""
        alice = self.line_user("alice")
        alice.send("/register password-1")
        alice.wait(lambda line: line.startswith("REGISTERED "), "REGISTERED")
        alice.send("/bot add deployer")
        token = alice.wait(lambda line: line.startswith("BOT deployer "), "BOT")
        token = token.split(" ")[2]
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        alice.send("/join tea")
        alice.wait(lambda line: line.startswith("MEMBERS tea "), "tea's members")
        bot = LineUser(self.server.line_port, None)
        self.addCleanup(bot.close)
        bot.send(f"/login deployer {token}")
        bot.wait(lambda line: line.startswith("WELCOME deployer"), "the bot's WELCOME")
        bot.send("/join tea")
        bot.wait(lambda line: line.startswith("MEMBERS tea "), "the bot in tea")
        bot.send("deployed build 42")
        page.shows("deployed build 42")
        self.assertEqual(self.marks(page, "deployed build 42"), ["bot"])
        alice.send("a person here")
        page.shows("a person here")
        self.assertEqual(self.marks(page, "a person here"), [])
        self.screenshot(page, "bot-account")
        later = self.open_page()
        self.enter(later, "val")
        self.go_to(later, "tea")
        later.shows("deployed build 42")
        self.assertEqual(self.marks(later, "deployed build 42"), ["bot"])
        self.assertEqual(self.marks(later, "a person here"), [])
        bot.close()
        own = self.open_page()  # its account remembers tea: it goes back in
        own.type_into("name-input", "deployer", enter=False)
        own.type_into("password-input", token)
        own.wait_page("room")
        own.type_into("message-input", "from my own page")
        page.shows("from my own page")
        self.assertEqual(self.marks(page, "from my own page"), ["bot"])

    def test_a_bots_posts_through_the_api_are_marked(self) -> None:
        """alice makes bot ``deployer``; with no connection at any door, it
        joins tea and posts there through the REST API: wes's page shows
        its post with the "bot" mark and alice's beside it with none, live
        and in the history a page joining later gets."""
        alice = self.line_user("alice")
        alice.send("/register password-1")
        alice.wait(lambda line: line.startswith("REGISTERED "), "REGISTERED")
        alice.send("/bot add deployer")
        token = alice.wait(lambda line: line.startswith("BOT deployer "), "BOT")
        token = token.split(" ")[2]
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        api = self.api_server()
        api_post(api, token, "rooms/tea/join")
        page.shows("deployer joined")
        posted = api_post(api, token, "rooms/tea/messages", {"text": "build 43 out"})
        page.shows("build 43 out")
        self.assertEqual(self.marks(page, "build 43 out"), ["bot"])
        line = self.find(page, f'#log li[data-id="{posted["id"]}"]')
        self.assertEqual(len(line), 1, posted)
        alice.send("/join tea")
        alice.wait(lambda line: line.startswith("MEMBERS tea "), "tea's members")
        alice.send("a person here")
        page.shows("a person here")
        self.assertEqual(self.marks(page, "a person here"), [])
        later = self.open_page()
        self.enter(later, "val")
        self.go_to(later, "tea")
        later.shows("build 43 out")
        self.assertEqual(self.marks(later, "build 43 out"), ["bot"])
        self.assertEqual(self.marks(later, "a person here"), [])


class WebRelayedTests(WebCase):
    server_options = ("--rate", "0", "--admins", "boss")

    def test_a_relayed_message_shows_from_the_relayed_nick(self) -> None:
        """An admin's ``RELAYMSG #tea carol/matrix :...`` at the IRC door:
        the page shows it from ``carol/matrix``, with no bot mark, live and
        in the history a page joining later gets."""
        self.register("boss", "password-1")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        boss = self.irc_user("boss", password="password-1")
        boss.send("JOIN #tea")
        boss.wait(lambda line: " 366 " in line, "boss's NAMES")
        boss.send("RELAYMSG #tea carol/matrix :hello from the other side")
        page.shows("hello from the other side")
        line = [
            item
            for item in self.find(page, "#log li[data-id]")
            if "hello from the other side" in item.text
        ][-1]
        self.assertIn("carol/matrix", line.text)
        later = self.open_page()
        self.enter(later, "val")
        self.go_to(later, "tea")
        later.shows("hello from the other side")
        self.assertIn("carol/matrix", later.log())
