"""App passwords from the web page, in headless chromium: made by typing
``/app-password add LABEL`` in a room, shown once as a system line, and
signing in at the line door; listed, and removed."""

from __future__ import annotations

import re

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import LineUser, RealClientsCase

PASSWORD = "tea and biscuits"
SHOWN = re.compile(r"app password for phone: ([a-z2-9]{4}(?:-[a-z2-9]{4}){4})")


class WebAppPasswordTests(RealClientsCase):
    def signing_in(self) -> LineUser:
        """A line user with no name yet, to sign in."""
        user = LineUser(self.server.line_port, None)
        self.addCleanup(user.close)
        return user

    def test_made_in_the_page_and_used_at_the_line_door(self) -> None:
        page = self.browser()
        page.register_into(self.server.url, "wes", PASSWORD, "tea")
        page.type_into("message-input", "/app-password add phone")
        wait_for("the password shown", lambda: SHOWN.search(page.log()) is not None)
        found = SHOWN.search(page.log())
        assert found is not None
        password = found.group(1)

        phone = self.signing_in()
        phone.send(f"/login wes {password}")
        phone.wait(lambda line: line == "WELCOME wes", "the app password's sign-in")

        page.type_into("message-input", "/app-password list")
        page.shows("app password phone, made 20")
        page.shows("1 app password(s)")
        self.assertEqual(page.log().count(password), 1)  # shown once, not listed
        page.type_into("message-input", "/app-password remove phone")
        page.shows("app password phone removed: it signs in no more")
        again = self.signing_in()
        again.send(f"/login wes {password}")
        again.wait(lambda line: line.startswith("ERR BAD_PASSWORD"), "a refusal")
