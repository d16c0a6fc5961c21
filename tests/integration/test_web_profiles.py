"""Profiles in the web client, in headless chromium: display names and
avatars beside messages and in the member list; one name in every place
the page names a person (the spec's ``display_names``); the profile card a
name opens, its *Message*, and one's own card setting the profile and
uploading the avatar."""

from __future__ import annotations

import base64

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.test_web_files import FILE_URL, PASSWORD, PNG
from tests.integration.test_web_life import event_id
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


#: The avatar on the open profile card: [src, loaded] (null: none shown).
CARD_AVATAR = """
const image = document.getElementById("card-avatar");
return image.hidden ? null : [image.src, image.complete && image.naturalWidth > 0];
"""

#: The message lines of the log whose words contain ``arguments[0]``.
ROWS = """
return [...document.querySelectorAll("#log li[data-id]")]
  .filter((row) => row.querySelector(".text").textContent.includes(arguments[0]))
  .map((row) => row.textContent);
"""


class AliceCase(WebCase):
    """n13alice, an account whose display name is Alice Liddell, owns
    n13room; n13carol's page joins after she first spoke."""

    def alice(self) -> LineUser:
        alice = self.line_user(f"/register n13alice {PASSWORD}")
        alice.wait(lambda line: line == "REGISTERED n13alice", "n13alice's account")
        alice.send("/caps ids rich", "/profile set display-name Alice Liddell")
        alice.wait(lambda line: line.startswith("PROFILE n13alice display-name "))
        alice.send(
            "/profile set pronouns she/her", "/profile set status down the rabbit hole"
        )
        alice.wait(
            lambda line: line.startswith("PROFILE n13alice status "), "her status"
        )
        alice.send("/create n13room")
        alice.wait(lambda line: line.startswith("MEMBERS n13room "), "her room")
        return alice

    def rows(self, page: BrowserPage, text: str) -> list[str]:
        return list(self.script(page, ROWS, text))


class DisplayNamesTests(AliceCase):
    def test_display_names(self) -> None:
        """The spec's ``display_names``: in the page of a member who
        joined after n13alice first spoke, *Alice Liddell* names her in her
        old message's row (from the join's history) and her new one's, in
        the member list, and wherever else the page names her: the quote of
        a reply to her, the log's line of her pin and the pinned bar; never
        her account's name alone."""
        alice = self.alice()
        alice.send("who has the scones?")
        scones = event_id(alice, " who has the scones?")
        page = self.open_page()
        self.enter(page, "n13carol")
        self.go_to(page, "n13room")
        bob = self.in_room("n13bob", "n13room")
        wait_for(
            "her old row",
            lambda: any("Alice Liddell" in row for row in self.rows(page, "scones?")),
        )
        alice.send("the kettle is on")
        wait_for(
            "her new row",
            lambda: any(
                "Alice Liddell" in row for row in self.rows(page, "kettle is on")
            ),
        )
        wait_for(
            "her in the member list",
            lambda: "Alice Liddell (n13alice)" in page.element("members").text,
        )
        bob.send(f"/reply {scones} in the blue tin")
        wait_for("the reply", lambda: bool(self.rows(page, "in the blue tin")))
        (reply,) = self.rows(page, "in the blue tin")
        self.assertIn("↪ Alice Liddell: who has the scones?", reply)
        alice.send(f"/pin {scones}")
        page.shows(
            "Alice Liddell pinned a message by Alice Liddell: “who has the scones?”"
        )
        wait_for("the pinned bar", lambda: page.visible("pinned"))
        self.assertEqual(
            page.element("pins").text, "Alice Liddell: who has the scones?"
        )
        self.screenshot(page, "display-names")
        log = page.log()
        for alone in ("n13alice:", "n13alice pinned", "<n13alice>", "by n13alice"):
            self.assertNotIn(alone, log)


class ProfileCardTests(AliceCase):
    def test_a_name_opens_the_profile_card(self) -> None:
        """A click on a name beside a message opens the person's card: the
        display name and the name, pronouns and status; its *Message*
        opens the private conversation with them, the cursor in the input,
        and what is typed reaches her. The member list's names open the
        card too."""
        alice = self.alice()
        alice.send("anyone for tea?")
        page = self.open_page()
        self.enter(page, "n13carol")
        self.go_to(page, "n13room")
        wait_for(
            "her name",
            lambda: any("Alice Liddell" in row for row in self.rows(page, "for tea?")),
        )
        row = self.find(page, "#log li[data-id]")[-1]
        row.find_element("css selector", ".nick").click()
        wait_for("the card", lambda: page.visible("profile-card"))
        self.assertEqual(page.element("card-name").text, "Alice Liddell")
        self.assertEqual(page.element("card-user").text, "n13alice")
        self.assertEqual(page.element("card-pronouns").text, "she/her")
        self.assertEqual(page.element("card-status").text, "down the rabbit hole")
        self.assertFalse(page.visible("card-form"))  # not hers to change
        self.assertEqual(self.focused(page), "card-message")
        self.screenshot(page, "profile-card")
        self.assert_accessible(page, "a profile card")
        page.element("card-message").click()
        wait_for(
            "the conversation", lambda: page.element("room-title").text == "n13alice"
        )
        self.assertFalse(page.visible("profile-card"))
        self.assertEqual(self.focused(page), "message-input")
        page.type_into("message-input", "hello, Alice")
        alice.wait(
            lambda line: (
                " PRIVMSG n13carol n13alice " in f" {line}"
                and line.endswith(" hello, Alice")
            ),
            "carol's message",
        )
        page.shows("<n13carol> hello, Alice")

        page.element("my-rooms").find_element("css selector", "button.switch").click()
        wait_for("the room", lambda: page.element("room-title").text == "n13room")
        member = next(
            button
            for button in self.find(page, "#members .member")
            if "Alice Liddell" in button.text
        )
        member.click()
        wait_for("her card again", lambda: page.visible("profile-card"))
        page.element("card-close").click()
        wait_for("closed", lambda: not page.visible("profile-card"))


class AvatarFromTheCardTests(WebCase):
    """Out of the box: an avatar set by uploading a picture from one's own
    profile card (``--files``, as ``make run`` serves uploads)."""

    db = "chat.db"
    server_options = ("--rate", "0", "--files")

    def test_an_avatar_uploaded_from_the_profile(self) -> None:
        """alice's own name in the header opens her card, with fields for
        her profile: a display name saved there is set; *Upload a
        picture…* uploads one and makes it her avatar: bob hears both, and
        her card and her messages show the picture."""
        page = self.open_page()
        page.type_into("name-input", "alice", enter=False)
        page.element("register-input").click()
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        bob.send("/caps rich")
        bob.wait(lambda line: line.startswith("CAPS "), "bob's caps")
        page.element("whoami").click()
        wait_for("her card", lambda: page.visible("card-form"))
        self.assertFalse(page.visible("card-message"))  # no conversation with herself
        self.assertEqual(self.focused(page), "card-display-name")
        page.type_into("card-display-name", "Alice Liddell")
        bob.wait(
            lambda line: line == "PROFILE alice display-name Alice Liddell",
            "her display name",
        )
        page.shows("Your display-name is now Alice Liddell.")

        page.element("whoami").click()
        wait_for("the upload", lambda: page.visible("card-upload"))
        self.script(page, 'document.getElementById("card-file").hidden = false')
        picture = self.folder / "me.png"
        picture.write_bytes(base64.b64decode(PNG))
        page.element("card-file").send_keys(str(picture))
        line = bob.wait(
            lambda line: line.startswith("PROFILE alice avatar "), "the avatar"
        )
        match = FILE_URL.search(line)
        assert match is not None, line
        url = match.group(0)
        wait_for(
            "the card's picture", lambda: self.script(page, CARD_AVATAR) == [url, True]
        )
        wait_for(
            "said", lambda: "Your picture is set." in page.element("card-note").text
        )
        self.screenshot(page, "profile-own")
        self.assert_accessible(page, "one's own profile card")
        page.element("card-close").click()
        page.type_into("message-input", "a new picture")
        wait_for(
            "beside her message",
            lambda: self.script(page, AVATARS)[-1:] == [[url, True]],
        )
