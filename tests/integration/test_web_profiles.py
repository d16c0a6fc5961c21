"""Profiles in the web client, in headless chromium: display names and
avatars beside messages and in the member list."""

from __future__ import annotations

import base64

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.test_web_files import FILE_URL, PASSWORD, PNG
from tests.integration.web_support import WebCase

#: The avatars drawn beside the log's messages: [src, loaded].
AVATARS = """
return [...document.querySelectorAll("#log li .avatar")]
  .map((image) => [image.src, image.complete && image.naturalWidth > 0]);
"""


class WebProfileTests(WebCase):
    """alice (an account) sets her profile from the page; carol sees it."""

    db = "chat.db"
    server_options = ("--rate", "0", "--files")

    def signed_in_page(self, name: str) -> BrowserPage:
        page = self.open_page()
        page.type_into("name-input", name, enter=False)
        page.element("register-input").click()
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        return page

    def test_display_name_and_avatar_beside_messages(self) -> None:
        """alice uploads a picture and makes it her avatar, and sets a
        display name, with /profile in the page; carol's page shows both
        beside alice's message and in the member list; a change shows at
        once on the lines already there; bob, at the line door, reads the
        same profile."""
        alice = self.signed_in_page("alice")
        self.go_to(alice, "tea")
        bob = self.in_room("bob", "tea")
        wait_for("the Attach button", lambda: alice.visible("attach-button"))
        self.script(alice, 'document.getElementById("attach-input").hidden = false')
        picture = self.folder / "me.png"
        picture.write_bytes(base64.b64decode(PNG))
        alice.element("attach-input").send_keys(str(picture))
        line = bob.wait(lambda line: "/files/" in line, "alice's picture")
        match = FILE_URL.search(line)
        assert match is not None, line
        url = match.group(0)
        alice.type_into("message-input", f"/profile set avatar {url}")
        alice.type_into("message-input", "/profile set display-name Alice Liddell")
        alice.shows("Your display-name is now Alice Liddell.")

        carol = self.open_page()
        self.enter(carol, "carol")
        self.go_to(carol, "tea")
        alice.type_into("message-input", "hello, everyone")
        carol.shows("<Alice Liddell (alice)> hello, everyone")
        wait_for(
            "alice's avatar in carol's page",
            lambda: self.script(carol, AVATARS)[-1:] == [[url, True]],
        )
        wait_for(
            "alice's display name among the members",
            lambda: "Alice Liddell (alice)" in carol.element("members").text,
        )
        alice.type_into("message-input", "/profile set display-name Alice")
        carol.shows("<Alice (alice)> hello, everyone")
        bob.send("/profile alice")
        bob.wait(lambda line: line == "PROFILE alice display-name Alice", "alice's")
        bob.wait(lambda line: line == "PROFILE_END alice 2", "alice's two keys")
        self.screenshot(carol, "profiles")


class WebProfileIRCTests(WebCase):
    """Profiles between the IRC door's ``draft/metadata-2`` and the page
    (on two nodes: the page on one, IRC and line users on the other)."""

    def test_metadata_set_at_irc_shows_in_the_page(self) -> None:
        """alice sets her display name with ``METADATA * SET``: bob (line,
        ``rich``) hears ``PROFILE``, and carol's page shows it beside
        alice's message; wes sets his in the page, and ``METADATA GET``
        at the IRC door answers it."""
        self.register("alice", PASSWORD)
        self.register("wes", PASSWORD)
        alice = self.irc_user("alice", f"alice:{PASSWORD}", "draft/metadata-2 batch")
        alice.send("JOIN #tea")
        alice.wait(lambda line: " 366 " in line, "alice's names")
        bob = self.line_user("bob")
        bob.send("/caps rich", "/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea "), "bob in tea")
        carol = self.open_page()
        self.enter(carol, "carol")
        self.go_to(carol, "tea")
        alice.send("METADATA * SET display-name :Alice Liddell")
        alice.wait(lambda line: " 761 alice alice display-name " in line, "the 761")
        bob.wait(
            lambda line: line == "PROFILE alice display-name Alice Liddell",
            "alice's profile at the line door",
        )
        alice.send("PRIVMSG #tea :hello from IRC")
        carol.shows("<Alice Liddell (alice)> hello from IRC")

        wes = self.page_of_account("wes", PASSWORD)
        self.go_to(wes, "tea")
        wes.type_into("message-input", "/profile set display-name Wes Montgomery")
        wes.shows("Your display-name is now Wes Montgomery.")
        alice.send("METADATA wes GET display-name")
        alice.wait(
            lambda line: line.endswith(" 761 alice wes display-name * :Wes Montgomery"),
            "wes's display name at IRC",
        )
