"""An invitation's link opened in the web page, in headless chromium: a real
``twistd chatroom`` with ``--registration invite``, the invitation made
by the admin API, and a line user in the invitation's room watching the
newcomer arrive."""

from __future__ import annotations

import json
import secrets
import urllib.request
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import RealClientsCase, Server

PASSWORD = "tea and biscuits"


class InviteLinkTests(RealClientsCase):
    def start_servers(self) -> None:
        self.token = secrets.token_urlsafe(16)
        token_file = self.folder / "admin-token"
        token_file.write_text(self.token + "\n")
        token_file.chmod(0o600)
        self.server = Server(
            self.folder,
            "--rate",
            "0",
            "--registration",
            "invite",
            "--rooms",
            "hall",
            "--admin-token-file",
            str(token_file),
        )
        self.server.start()
        self.addCleanup(self.server.stop)

    def invitation(self, **terms: Any) -> dict[str, Any]:
        """``POST /admin/invitations``: the code and its link."""
        request = urllib.request.Request(
            f"{self.server.url}admin/invitations",
            data=json.dumps(terms).encode(),
            headers={
                "authorization": f"Bearer {self.token}",
                "content-type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            made: dict[str, Any] = json.load(answer)
        return made

    def test_the_link_redeems_and_the_page_registers_into_the_room(self) -> None:
        """The link opens the page, which redeems the code, ticks "new
        account" and says so; a name and a password register the account,
        which lands in the invitation's room (the line user there sees it
        join), and the code leaves the address bar; of one use, it then
        admits nobody: another page opened on the same link is told so
        and offered no registration."""
        made = self.invitation(uses=1, room="hall")
        self.assertTrue(made["url"].endswith(f"/?invite={made['code']}"), made)
        lina = self.line_user("lina")
        lina.send("/join hall")
        lina.wait(lambda line: line.startswith("MEMBERS hall"))

        page = self.browser()
        page.driver.get(made["url"])
        page.wait_page("username")
        wait_for(
            "the invitation accepted",
            lambda: page.element("register-input").is_selected(),
        )
        page.type_into("name-input", "ivy", enter=False)
        page.type_into("password-input", PASSWORD)
        lina.wait(lambda line: line == "JOIN hall ivy", "ivy joining hall")
        page.wait_page("room")
        wait_for("hall shown", lambda: page.element("room-title").text == "hall")
        wait_for("signed in to ivy", lambda: page.visible("account"))
        self.assertEqual(page.element("whoami").text, "ivy")
        self.assertNotIn(made["code"], page.driver.current_url)  # the link is spent

        again = self.browser(fresh=False)
        again.driver.get(made["url"])
        again.wait_page("username")
        wait_for(
            "the spent code refused",
            lambda: "invitation is unknown, used up or expired" in again.error(),
        )
        self.assertFalse(again.element("register-input").is_selected())
