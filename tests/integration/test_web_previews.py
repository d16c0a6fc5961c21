"""The web client's link previews in headless chromium: a link to a page
with OpenGraph tags, served on 127.0.0.1 (``--preview-allow
127.0.0.1/32``), shows its card under the message (docs/web.md).

The page is served by the standard library's HTTP server on a thread:
the test process's reactor does not run while Selenium drives the page.
See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase

PAGE = b"""<!doctype html><html><head>
<title>ignored</title>
<meta property="og:title" content="Tea &lt;b&gt;time&lt;/b&gt;">
<meta property="og:description" content="Leaves, water and time.">
<meta property="og:image" content="/pot.png">
</head><body>tea</body></html>"""

#: A real picture (one pixel) for the card's image.
POT = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

#: The card under the line whose words contain ``arguments[0]``: its parts.
CARD = """
const line = [...document.querySelectorAll("#log li[data-id]")]
  .find((item) => item.querySelector(".text").textContent.includes(arguments[0]));
const card = line && line.querySelector("a.preview");
if (!card) return null;
const part = (name) => {
  const found = card.querySelector(name);
  return found && found.textContent;
};
const image = card.querySelector("img");
return {
  href: card.getAttribute("href"), rel: card.rel, target: card.target,
  title: part(".preview-title"), description: part(".preview-description"),
  site: part(".preview-site"), image: image && image.getAttribute("src"),
  loaded: Boolean(image && image.complete && image.naturalWidth > 0),
  elements: card.querySelectorAll("*").length,
  markup: card.querySelectorAll("b").length,
};
"""


class _Pages(BaseHTTPRequestHandler):
    """``/tea``: the page; ``/pot.png``: its image; anything else: 404.
    Every path asked is kept."""

    asked: list[str] = []
    served = {
        "/tea": ("text/html; charset=utf-8", PAGE),
        "/pot.png": ("image/png", POT),
    }

    def do_GET(self) -> None:
        self.asked.append(self.path)
        if self.path not in self.served:
            self.send_error(404)
            return
        kind, body = self.served[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_pages(case: Any) -> ThreadingHTTPServer:
    """The test page's server on 127.0.0.1, on a thread, until ``case``
    ends (its requests counted afresh)."""
    _Pages.asked = []
    pages = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    case.addCleanup(pages.server_close)
    case.addCleanup(pages.shutdown)
    return pages


class WebPreviewTests(WebCase):
    server_options = ("--rate", "0", "--preview-allow", "127.0.0.1/32")

    def setUp(self) -> None:
        super().setUp()
        self.pages = serve_pages(self)

    def test_a_link_shows_its_card_under_the_message(self) -> None:
        """bob posts a link to a page with OpenGraph tags: wes's page shows
        the message at once, then under it a card (a link to the page,
        opening a new tab with rel=noopener noreferrer) with the title (its
        markup shown as text, never made into elements), the description,
        the site and the image resolved against the page."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        url = f"http://127.0.0.1:{self.pages.server_address[1]}/tea"
        bob.send(f"tea time: {url}")
        page.shows(f"<bob> tea time: {url}")
        wait_for(
            "the card and its image",
            lambda: bool((self.script(page, CARD, "tea time") or {}).get("loaded")),
        )
        card = self.script(page, CARD, "tea time")
        self.assertEqual(
            card,
            {
                "href": url,
                "rel": "noopener noreferrer",
                "target": "_blank",
                "title": "Tea <b>time</b>",
                "description": "Leaves, water and time.",
                "site": f"127.0.0.1:{self.pages.server_address[1]}",
                "image": f"http://127.0.0.1:{self.pages.server_address[1]}/pot.png",
                "loaded": True,
                "elements": 5,  # the image, the words and their three parts
                "markup": 0,
            },
        )
        self.assertEqual(_Pages.asked, ["/tea", "/pot.png"])  # the page; the browser
        self.screenshot(page, "preview")
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"a link's preview ({scheme})")

    def test_set_previews_off_hides_the_cards(self) -> None:
        """``/set previews off`` typed in the room is answered in words, and
        the next link's card is not drawn."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.type_into("message-input", "/set previews off")
        page.shows("Link previews are off")
        bob = self.in_room("bob", "tea")
        bob.send("/caps rich")
        bob.wait(lambda line: line.startswith("CAPS "), "bob's caps")
        url = f"http://127.0.0.1:{self.pages.server_address[1]}/tea"
        bob.send(f"no card: {url}")
        bob.wait(lambda line: " PREVIEW tea " in line, "bob's card")
        # What follows the card to wes comes after it: once shown, the card
        # would have been drawn.
        bob.send("after the card")
        page.shows("<bob> after the card")
        self.assertIsNone(self.script(page, CARD, "no card"))
        self.assertEqual(_Pages.asked, ["/tea"])
