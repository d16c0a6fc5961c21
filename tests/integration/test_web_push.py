"""The web page as an installable app, and Web Push, in headless chromium.

The page links a manifest (name, start URL, 192 and 512 px icons) and
registers its service worker (``sw.js``); a push delivered to that real
worker shows a notification titled by who said it where.

Headless chromium has no push service of its own (``PushManager.subscribe``
needs Google's, which a machine without network and without an API key
cannot reach), so the push itself is delivered to the worker through the
DevTools protocol (``ServiceWorker.deliverPushMessage``) with the payload
the server sends, and the test reads the notification the worker showed
(``registration.getNotifications()``). A real ``PushManager.subscribe``
was tried here: it never settles (chromium waits on Google's push service,
out of reach), so the page's ``/push add`` after a subscription is not
driven in the browser; the server's side of it is
``tests/backends/contracts/push.py``'s. See :mod:`tests.integration.web_support`
for how pages are driven.
"""

from __future__ import annotations

import json
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase

#: The worker's registration, once ready: its script and scope.
WORKER = """
const done = arguments[arguments.length - 1];
navigator.serviceWorker.ready.then((registration) => done({
  script: registration.active && registration.active.scriptURL,
  scope: registration.scope,
}), (error) => done({error: String(error)}));
"""

#: The manifest as the page links it, and whether its icons load.
MANIFEST = """
const done = arguments[arguments.length - 1];
const link = document.querySelector('link[rel="manifest"]');
fetch(link.href).then((answer) => answer.json()).then(async (manifest) => {
  const icons = [];
  for (const icon of manifest.icons) {
    const answer = await fetch(new URL(icon.src, link.href));
    icons.push([icon.sizes, answer.status, answer.headers.get("content-type")]);
  }
  done({manifest, icons});
}, (error) => done({error: String(error)}));
"""

#: The notifications the worker shows: their titles, bodies and places.
NOTIFICATIONS = """
const done = arguments[arguments.length - 1];
navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => done(shown.map((n) => [n.title, n.body, n.data.place])));
"""


class WebPushTests(WebCase):
    """A server with every door; the page on 127.0.0.1 (a secure context)."""

    def ready_page(self) -> Any:
        page = self.open_page(fresh=True)  # see registration_id
        worker = page.driver.execute_async_script(WORKER)
        self.assertEqual(worker["script"], self.server.url + "sw.js", worker)
        return page

    def test_manifest_and_service_worker(self) -> None:
        """The page links its manifest, which names the app, opens at the
        page and has its icons (served as PNG); its service worker is
        registered and active for the whole site."""
        page = self.ready_page()
        found = page.driver.execute_async_script(MANIFEST)
        manifest = found["manifest"]
        self.assertEqual(
            (manifest["name"], manifest["start_url"], manifest["display"]),
            ("chatroom", "./", "standalone"),
        )
        self.assertEqual(
            found["icons"],
            [["192x192", 200, "image/png"], ["512x512", 200, "image/png"]],
        )
        worker = page.driver.execute_async_script(WORKER)
        self.assertEqual(worker["scope"], self.server.url)

    def test_a_push_shows_its_notification(self) -> None:
        """A push with the server's payload, delivered to the real worker,
        shows "bob in tea" with the text and the count of what was held;
        a private message's is "bob (private message)"."""
        page = self.ready_page()
        origin = self.server.url.rstrip("/")
        page.driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"permissions": ["notifications"], "origin": origin},
        )
        page.driver.execute_cdp_cmd("ServiceWorker.enable", {})
        pushes = (
            {"from": "bob", "text": "wes: tea?", "room": "tea", "count": 3},
            {"from": "bob", "text": "psst", "room": None, "count": 1},
        )

        def shown() -> bool:
            """Both notifications are up; else the pushes go (again) to the
            worker. On a loaded machine a push delivered right after the
            worker was ready was seen to show nothing within the bound;
            sent again, a push replaces its place's notification (one per
            place), so the count stays honest."""
            if len(page.driver.execute_async_script(NOTIFICATIONS)) == 2:
                return True
            for said in pushes:
                page.driver.execute_cdp_cmd(
                    "ServiceWorker.deliverPushMessage",
                    {
                        "origin": origin,
                        "registrationId": self.registration_id(page),
                        "data": json.dumps(said),
                    },
                )
            return False

        wait_for("two notifications", shown, every=1.0)
        self.assertEqual(
            sorted(page.driver.execute_async_script(NOTIFICATIONS)),
            [
                ["bob (private message)", "psst", "@bob"],
                ["bob in tea", "wes: tea? (and 2 more)", "tea"],
            ],
        )

    def registration_id(self, page: Any) -> str:
        """The worker's registration id, as DevTools knows it (the first
        registration of a fresh profile)."""
        return "0"
