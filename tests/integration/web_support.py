"""The web client's browser tests: a page as a person uses it, screenshots
kept as test artefacts, and axe-core's accessibility checks.

Builds on :mod:`tests.integration.real_clients` (a real ``twistd chatroom``
and Debian's chromium through Selenium). Chromium's own DevTools commands
set what a person's device would: a phone's screen (390×844), a dark
system theme, notifications allowed. Minimising the window hides the tab
(``document.visibilityState`` is ``hidden``), as switching to another tab
does, while its script can still be read.

Screenshots go to ``build/screenshots/`` (or ``$CHATROOM_SCREENSHOTS``):
every test leaves the pictures of what it checked there. With
``CHATROOM_DOCS_SCREENSHOTS=1`` the ones docs/web.md shows are also written
to ``docs/images/``, so the docs' pictures are always the tests' own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import (
    BROWSER_HEIGHT,
    BROWSER_WIDTH,
    BrowserPage,
    LineUser,
    RealClientsCase,
)

CHECKOUT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(
    os.environ.get("CHATROOM_SCREENSHOTS", CHECKOUT / "build" / "screenshots")
)
DOCS_IMAGES = CHECKOUT / "docs" / "images"
#: The screenshots docs/web.md shows (as ``images/web-NAME.png``).
DOC_SHOTS = frozenset(
    {
        "name",
        "lobby",
        "room",
        "room-dark",
        "help",
        "offline",
        "notices",
        "phone",
        "phone-members",
        "rooms",
        "rich",
        "phone-rooms",
        "reactions",
        "search",
        "files",
        "preview",
        "emoji-offered",
        "emoji-search",
        "formatted",
        "thread",
        "pinned",
        "profiles",
        "conversations",
    }
)
#: axe-core's impacts that fail a test.
FAILING_IMPACTS = frozenset({"serious", "critical"})
PHONE = (390, 844)


class WebCase(RealClientsCase):
    """A server with every door, and pages of the web client on it."""

    server_options: tuple[str, ...] = ("--rate", "0")

    def open_page(
        self, *, phone: bool = False, dark: bool = False, fresh: bool = False
    ) -> BrowserPage:
        """A browser as new on the client, at the name form (``fresh``: a
        new chromium process, see :meth:`browser`)."""
        page = self.browser(fresh)
        if phone:
            width, height = PHONE
            page.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": width,
                    "height": height,
                    "deviceScaleFactor": 1,
                    "mobile": True,
                },
            )
        if dark:
            self.theme(page, "dark")
        page.driver.get(self.server.url)
        page.wait_page("username")
        return page

    def theme(self, page: BrowserPage, scheme: str) -> None:
        """The system's colour scheme as the page sees it (``light``/``dark``)."""
        page.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def page_of_account(self, name: str, password: str) -> BrowserPage:
        """A new page signed in to account ``name`` at its name form, in
        the lobby."""
        page = self.open_page()
        page.type_into("name-input", name, enter=False)
        page.type_into("password-input", password)
        page.wait_page("lobby")
        return page

    def enter(self, page: BrowserPage, name: str) -> None:
        page.type_into("name-input", name)
        page.wait_page("lobby")

    def go_to(self, page: BrowserPage, room: str) -> None:
        """From the lobby's field: joins ``room``, or creates it."""
        page.type_into("create-input", room)
        page.wait_page("room")
        wait_for(f"{room}'s title", lambda: page.element("room-title").text == room)

    def in_room(self, name: str, room: str) -> LineUser:
        user = self.line_user(name)
        user.send(f"/join {room}")
        user.wait(lambda line: line.startswith(f"MEMBERS {room} "), f"{room}'s members")
        return user

    def script(self, page: BrowserPage, code: str, *arguments: Any) -> Any:
        return page.driver.execute_script(code, *arguments)

    def find(self, page: BrowserPage, selector: str) -> list[Any]:
        return list(page.driver.find_elements("css selector", selector))

    def focused(self, page: BrowserPage) -> str:
        return str(page.driver.switch_to.active_element.get_attribute("id"))

    def hide(self, page: BrowserPage) -> None:
        """The tab is hidden (as when the user switches away)."""
        page.driver.minimize_window()
        wait_for("the tab hidden", lambda: self.visibility(page) == "hidden")

    def unhide(self, page: BrowserPage) -> None:
        page.driver.set_window_rect(width=BROWSER_WIDTH, height=BROWSER_HEIGHT)
        wait_for("the tab shown", lambda: self.visibility(page) == "visible")

    def visibility(self, page: BrowserPage) -> str:
        return str(self.script(page, "return document.visibilityState"))

    def screenshot(self, page: BrowserPage, name: str) -> Path:
        """Keep a picture of the page as ``NAME.png`` among the artefacts."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.driver.save_screenshot(str(path))
        if name in DOC_SHOTS and os.environ.get("CHATROOM_DOCS_SCREENSHOTS"):
            DOCS_IMAGES.mkdir(exist_ok=True)
            page.driver.save_screenshot(str(DOCS_IMAGES / f"web-{name}.png"))
        return path

    def assert_accessible(self, page: BrowserPage, view: str) -> None:
        """axe-core finds no serious or critical violation on the page as
        it is (hidden parts are not checked: each view is checked where it
        shows)."""
        from selenium_axe_python import Axe

        axe = Axe(page.driver)
        axe.inject()
        results = axe.run()
        failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']}: "
            + "; ".join(node["target"][0] for node in v["nodes"][:5])
            for v in failing
        )
        self.assertEqual(failing, [], f"accessibility of the {view} view:\n{report}")
