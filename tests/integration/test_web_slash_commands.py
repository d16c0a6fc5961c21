"""A room's slash commands in the web client, in headless chromium: the
owner adds one from the page, its ephemeral answer shows in the room's log
marked as seen by her alone (a line member and irssi see nothing of it),
and an ``in_channel`` one shows from the command's bot, marked as a bot's,
to everyone: the line member, and irssi as a plain IRC client shows it
(docs/web.md "Slash commands").

The receiver is the standard library's HTTP server on a thread (the test
process's reactor does not run while Selenium drives the page), under
``--outbound-allow 127.0.0.1/32``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase

#: The log's line whose words contain ``arguments[0]``: its parts.
LINE = """
const line = [...document.querySelectorAll("#log li")]
  .find((item) => (item.querySelector(".text") || item).textContent
    .includes(arguments[0]));
if (!line) return null;
const mark = line.querySelector(".only-you");
return {
  nick: line.querySelector(".nick").textContent,
  bot: Boolean(line.querySelector(".bot")),
  onlyYou: mark ? mark.textContent : null,
  shown: mark ? mark.offsetParent !== null : false,
};
"""


class _Commands(BaseHTTPRequestHandler):
    """``/weather``: in_channel, ``/mine``: ephemeral. Every form kept."""

    forms: list[dict[str, str]] = []

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        form = dict(parse_qsl(self.rfile.read(size).decode(), True))
        self.forms.append(form)
        kind = "in_channel" if self.path == "/weather" else "ephemeral"
        body = json.dumps({"response_type": kind, "text": f"{kind}: {form['text']}"})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebSlashCommandTests(WebCase):
    server_options = ("--rate", "0", "--outbound-allow", "127.0.0.1/32")

    def setUp(self) -> None:
        super().setUp()
        _Commands.forms = []
        self.receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Commands)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.addCleanup(self.receiver.server_close)
        self.addCleanup(self.receiver.shutdown)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.receiver.server_address[1]}{path}"

    def test_ephemeral_and_in_channel_answers(self) -> None:
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        irssi = self.irssi("ivy")
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #tea")
        irssi.shows("Join to #tea was synced")
        page.type_into("message-input", f"/command add mine {self.url('/mine')}")
        page.shows(f"/mine posts to {self.url('/mine')} with the token ")
        page.type_into("message-input", f"/command add weather {self.url('/weather')}")
        page.shows(f"/weather posts to {self.url('/weather')}")
        page.type_into("message-input", "/mine secret plans")
        page.shows("ephemeral: secret plans")
        self.assertEqual(
            self.script(page, LINE, "ephemeral: secret plans"),
            {
                "nick": "<mine[bot]>",
                "bot": True,
                "onlyYou": "only you can see this",
                "shown": True,
            },
        )
        self.assertEqual(_Commands.forms[0]["user_name"], "wes")
        self.assertEqual(_Commands.forms[0]["channel_name"], "tea")
        page.type_into("message-input", "/weather paris")
        page.shows("in_channel: paris")
        said = self.script(page, LINE, "in_channel: paris")
        self.assertEqual(
            said,
            {"nick": "<weather[bot]>", "bot": True, "onlyYou": None, "shown": False},
        )
        bob.wait(
            lambda line: (
                line.startswith("MSG tea weather[bot] ")
                and line.endswith("in_channel: paris")
            ),
            "the in_channel answer",
        )
        self.assertFalse(any("secret plans" in line for line in bob.lines), bob.lines)
        irssi.shows("< weather[bot]> in_channel: paris")
        screen = irssi.screen()
        self.assertNotIn("secret plans", screen)
        self.assertNotIn("mine[bot]", screen)
        self.screenshot(page, "slash-commands")
        wait_for("both calls", lambda: len(_Commands.forms) == 2)
