"""The web client with accounts and moderation, in headless chromium.

A real ``twistd chatroom`` (see :mod:`tests.integration.real_clients`) and
line-protocol users on the other side: signing in with a password and
signing in again by itself after a restart (back into a room with a key),
kicks, invitations and announcements as a person sees them, a ban of its
network (the reason shown, the page not coming back by itself), where the
password is (nowhere but a variable), and a second sign-in elsewhere that
the page must not fight.
"""

from __future__ import annotations

from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser, RealClientsCase
from tests.integration.web_support import WebCase

PASSWORD = "tea-and-biscuits"

#: Everything a page keeps where a person, a script or a later visitor
#: could read it: its text, its HTML, every field, storage and cookies.
KEPT = """
return [
  document.documentElement.outerHTML,
  document.body.innerText,
  ...[...document.querySelectorAll("input")].map((input) => input.value),
  JSON.stringify({ ...localStorage }),
  JSON.stringify({ ...sessionStorage }),
  document.cookie,
].join("\\n");
"""


class WebAccountsCase(RealClientsCase):
    """Accounts live in a file, so that they outlive a restart."""

    db = "chat.db"
    server_options: tuple[str, ...] = ("--admins", "root", "--rate", "0")

    def page(self) -> BrowserPage:
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        return page

    def sign_in(self, page: BrowserPage, name: str, password: str) -> None:
        page.element("name-input").clear()
        page.type_into("name-input", name, enter=False)
        page.type_into("password-input", password)
        page.wait_page("lobby")

    def register(self, name: str, password: str = PASSWORD) -> None:
        """Register ``name`` over the line protocol, then leave."""
        user = LineUser(self.server.line_port, f"/register {name} {password}")
        user.wait(lambda line: line == f"REGISTERED {name}")
        user.send("/quit")
        user.wait(lambda line: line.startswith("BYE"))
        user.close()

    def in_room(self, user: LineUser, room: str, key: str = "") -> None:
        user.send(f"/join {room} {key}".strip())
        user.wait(lambda line: line.startswith(f"MEMBERS {room} "), f"{room}'s members")

    def click_room(self, page: BrowserPage, room: str) -> None:
        """Click ``room`` in the lobby's list. The list is drawn again when
        a room's count changes, so a button found may be gone by the click
        (seen under a loaded parallel suite): it is then found again."""
        from selenium.common.exceptions import StaleElementReferenceException

        selector = f'#room-list button[data-room="{room}"]'

        def clicked() -> bool:
            buttons = self.find(page, selector)
            if not buttons:
                return False
            try:
                buttons[0].click()
            except StaleElementReferenceException:
                return False
            return True

        wait_for(f"{room} in the lobby, clicked", clicked)

    def find(self, page: BrowserPage, selector: str) -> list[Any]:
        return list(page.driver.find_elements("css selector", selector))

    def active(self, page: BrowserPage) -> str:
        return str(page.driver.switch_to.active_element.get_attribute("id"))


class SigningInTests(WebAccountsCase):
    def test_signs_in_again_after_a_restart_and_resumes_its_room(self) -> None:
        """A registered name asks for its password; once signed in, the page
        signs in again by itself after a restart and goes back into its room
        with the key it was typed, showing what it missed."""
        self.register("wes")
        olive = self.line_user("olive")
        olive.send("/create tea")
        olive.send("/set key sesame")
        olive.wait(lambda line: line == "SET tea key on olive", "the key")

        page = self.page()
        page.type_into("name-input", "wes")
        wait_for("the password asked", lambda: "wes is registered" in page.error())
        self.assertEqual(self.active(page), "password-input")
        self.assertEqual(
            page.element("password-input").get_attribute("type"), "password"
        )
        page.type_into("password-input", "wrong-password")
        wait_for("the refusal", lambda: "wrong password for wes" in page.error())
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        self.assertEqual(page.element("whoami").text, "wes")
        self.assertTrue(page.visible("account"))

        self.click_room(page, "tea")
        wait_for("the key asked", lambda: page.visible("key-form"))
        self.assertIn("tea needs a key", page.element("key-form").text)
        page.type_into("key-input", "sesame")
        page.wait_page("room")
        olive.send("hello wes")
        page.shows("<olive> hello wes")

        self.server.stop()
        wait_for("the page to notice", lambda: "disconnected" in page.status())
        self.server.start()
        wait_for("the page to reconnect", lambda: page.status() == "connected")
        page.shows("reconnected: what was said meanwhile follows")
        page.wait_page("room")
        self.assertEqual(page.element("room-title").text, "tea")
        self.assertTrue(page.visible("account"))
        olive = self.line_user("olive")  # olive's name is plain: anyone's
        self.in_room(olive, "tea", "sesame")
        self.assertIn(" wes", olive.wait(lambda line: line.startswith("MEMBERS tea")))
        olive.send("welcome back")
        page.shows("<olive> welcome back")
        page.type_into("message-input", "glad to be back")
        olive.wait(
            lambda line: (
                line.startswith("MSG tea wes ") and line.endswith(" glad to be back")
            ),
            "wes's message",
        )
        self.assertEqual(page.log().count("<olive> hello wes"), 1, page.log())

    def test_signed_out_by_another_device_is_not_fought(self) -> None:
        """A second sign-in adds a device (the page stays connected); ended
        by that device's /logout, the page says so and stays disconnected:
        it does not sign in again, until the user asks it to, and then asks
        for the password (the logout ended its device session)."""
        self.register("wes")
        page = self.page()
        self.sign_in(page, "wes", PASSWORD)
        elsewhere = self.line_user(f"/login wes {PASSWORD}")
        elsewhere.send("/devices")
        elsewhere.wait(lambda line: line == "DEVICES_END 2", "both devices")
        self.assertEqual(page.status(), "connected")
        elsewhere.send("/logout 1")
        elsewhere.wait(lambda line: line == "LOGGED_OUT 1", "the sign-out")
        wait_for(
            "the banner",
            lambda: "signed out from device 2" in page.element("connection").text,
        )
        stopped = "disconnected: signed out from device 2"
        wait_for("the status", lambda: page.status() == stopped)
        elsewhere.listen(2)  # the page would be back within 0.5 s
        elsewhere.lines.clear()
        elsewhere.send("/devices")
        elsewhere.wait(lambda line: line == "DEVICES_END 1", "one device left")
        self.assertEqual(page.status(), stopped)
        self.assertTrue(page.driver.execute_script("return state.ws === null"))

        self.assertEqual(page.element("reconnect-now").text, "Reconnect")
        page.element("reconnect-now").click()
        wait_for("the page back", lambda: page.status() == "connected")
        page.wait_page("username")
        wait_for(
            "the ask", lambda: "wes was signed out on this browser" in page.error()
        )
        self.assertEqual(self.active(page), "password-input")
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")

        def devices() -> str:
            """``/devices``' count, asked again (the page signs in after it
            shows the lobby it kept)."""
            elsewhere.lines.clear()
            elsewhere.send("/devices")
            return elsewhere.wait(lambda line: line.startswith("DEVICES_END"))

        wait_for("the page's device", lambda: devices() == "DEVICES_END 2")

        page.driver.refresh()  # signed in again with a new device session
        page.wait_page("lobby")
        self.assertFalse(page.visible("username-page"))
        self.assertTrue(page.visible("account"))
        wait_for("the page's new device", lambda: devices() == "DEVICES_END 2")


class PasswordsTests(WebAccountsCase):
    def test_password_is_kept_in_memory_only(self) -> None:
        """Registered through the page and changed from the message box, the
        password is in no text, field, HTML, storage or cookie, and never
        reaches the room; yet the page signs in again with the new one."""
        old, new = "first-secret-1", "second-secret-2"
        page = self.page()
        page.element("register-input").click()
        page.type_into("name-input", "wes", enter=False)
        page.type_into("password-input", old)
        page.wait_page("lobby")
        wait_for(
            "the registration",
            lambda: "wes is now registered" in page.element("lobby-log").text,
        )
        page.type_into("create-input", "tea")
        page.wait_page("room")
        bob = self.line_user("bob")
        self.in_room(bob, "tea")
        bob.send("hello wes")
        page.shows("<bob> hello wes")

        page.type_into("message-input", f"  /password {old} {new}")
        page.shows("the password of wes was changed")
        kept = page.driver.execute_script(KEPT)
        self.assertIn("the password of wes was changed", kept)  # the probe reads
        for secret in (old, new):
            self.assertNotIn(secret, kept)

        page.driver.execute_script("state.ws.close();")  # a lost connection
        bob.wait(lambda line: line.startswith("PART tea wes"), "wes gone")
        page.shows("reconnected: what was said meanwhile follows")
        bob.wait(lambda line: line == "JOIN tea wes", "wes back")
        bob.send("still there?")
        page.shows("<bob> still there?")
        page.type_into("message-input", f"/unregister {new}")
        page.shows("wes is no longer registered")
        kept = page.driver.execute_script(KEPT)
        for secret in (old, new):
            self.assertNotIn(secret, kept)
        self.assertIsNone(page.driver.execute_script("return state.password"))
        said = [line for line in bob.listen(0.5) if old in line or new in line]
        self.assertEqual(said, [])


class PassphraseTests(WebAccountsCase):
    def test_a_passphrase_registers_here_and_signs_in_everywhere(self) -> None:
        """A passphrase registered in the page signs in at the line door;
        changed from the message box with quotes, the page signs in again
        with the new one after a lost connection; one registered at the
        line door signs in from the page."""
        phrase = "correct horse battery staple"
        page = self.page()
        page.element("register-input").click()
        page.type_into("name-input", "wes", enter=False)
        page.type_into("password-input", f" {phrase}")
        wait_for("the refusal", lambda: "begin or end with a space" in page.error())
        page.element("password-input").clear()
        page.type_into("password-input", phrase)
        page.wait_page("lobby")
        wait_for(
            "the registration",
            lambda: "wes is now registered" in page.element("lobby-log").text,
        )
        elsewhere = LineUser(self.server.line_port, f"/login wes {phrase}")
        elsewhere.wait(lambda line: line == "WELCOME wes", "signed in with the phrase")
        elsewhere.close()

        page.type_into("create-input", "tea")
        page.wait_page("room")
        bob = self.line_user("bob")
        self.in_room(bob, "tea")
        page.type_into(
            "message-input", f'/password "{phrase}" "tea and \\"biscuits\\" please"'
        )
        page.shows("the password of wes was changed")
        page.driver.execute_script("state.ws.close();")  # a lost connection
        bob.wait(lambda line: line.startswith("PART tea wes"), "wes gone")
        bob.wait(lambda line: line == "JOIN tea wes", "wes back, with the new phrase")
        self.assertTrue(page.visible("account"))

        self.register("olive", phrase)
        other = self.page()
        self.sign_in(other, "olive", phrase)
        self.assertEqual(other.element("whoami").text, "olive")


class ModerationTests(WebAccountsCase):
    def test_kicked_then_invited_back(self) -> None:
        """The room sees who did what; the kicked user is back in the lobby
        with a notice saying who and why, and an invitation wherever the
        user is offers to join; an announcement shows on any page."""
        olive = self.line_user("olive")
        olive.send("/create tea")
        olive.wait(lambda line: line.startswith("MEMBERS tea"))
        page = self.page()
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        self.click_room(page, "tea")
        page.wait_page("room")
        bob = self.line_user("bob")
        self.in_room(bob, "tea")

        olive.send("/op bob")
        page.shows("olive made bob an operator")
        wait_for("bob marked", lambda: bool(self.find(page, "#members li.operator")))
        self.assertEqual(self.find(page, "#members li.operator")[0].text, "bob")
        olive.send("/op wes")
        page.shows("olive made wes an operator")
        bob.send("/opmsg keep an eye on the biscuits")
        page.shows("[bob → operators] keep an eye on the biscuits")
        olive.send("/deop wes")
        page.shows("olive took operator status from wes")
        olive.send("/kick bob too loud")
        page.shows("olive kicked bob: too loud")
        self.assertEqual(page.element("members").text.split(), ["olive", "wes"])
        olive.send("/set invite-only on")
        page.shows("olive made the room invite-only")

        olive.send("/kick wes enough")
        page.wait_page("lobby")
        wait_for(
            "the kick notice",
            lambda: "You were kicked from tea by olive: enough" in page.notices(),
        )
        self.click_room(page, "tea")
        wait_for("the refusal", lambda: "tea is invite-only" in page.error())

        olive.send("/invite wes")
        wait_for("the invitation", lambda: "olive invited you to tea" in page.notices())
        self.find(page, "#notices li.invited button.act")[0].click()
        page.wait_page("room")
        self.assertEqual(page.element("room-title").text, "tea")
        olive.wait(lambda line: line == "JOIN tea wes", "wes back in tea")

        root = self.line_user(f"/register root {PASSWORD}")
        root.wait(lambda line: line == "REGISTERED root")
        root.send("/announce tea is served")
        wait_for(
            "the announcement",
            lambda: "Announcement from root: tea is served" in page.notices(),
        )


class NetworkBanTests(WebAccountsCase):
    def test_the_reason_shown_and_no_reconnecting(self) -> None:
        """root (from 127.0.0.9) bans the page's address, 127.0.0.1: the
        page says why it was disconnected and stays so; opened again it is
        refused before a name, says why, and its socket is closed; lifted,
        Reconnect takes it back in."""
        root = LineUser(self.server.line_port, None, source="127.0.0.9")
        self.addCleanup(root.close)
        root.send(f"/register root {PASSWORD}")
        root.wait(lambda line: line == "REGISTERED root")
        page = self.page()
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        root.send("/gban ip:127.0.0.1 spam from a proxy")
        root.wait(lambda line: line.startswith("GBAN ip:127.0.0.1 root"))
        stopped = "disconnected: banned from this server: spam from a proxy"
        wait_for("the status", lambda: page.status() == stopped)
        self.assertIn("will not reconnect by itself", page.element("connection").text)

        page.driver.refresh()
        wait_for("the status again", lambda: page.status() == stopped)
        self.assertTrue(page.driver.execute_script("return state.ws === null"))
        self.assertFalse(page.visible("lobby-page"))
        root.send("/gunban ip:127.0.0.1")
        root.wait(lambda line: line.startswith("GUNBAN ip:127.0.0.1 root"))
        page.element("reconnect-now").click()
        wait_for("the page back", lambda: page.status() == "connected")
        page.wait_page("lobby")  # as wes again, the name the tab kept


class AdminAndIgnoreWordsTests(WebAccountsCase):
    def test_replies_are_said_in_words(self) -> None:
        """root, an admin, in a room: ``/ignore``, ``/ignores``,
        ``/unignore``, ``/lockdown``, a timed network ban and ``/gbans``
        each answer a line of the room's log in words."""
        self.register("root")
        page = self.page()
        self.sign_in(page, "root", PASSWORD)
        self.click_room(page, "general")
        page.wait_page("room")
        for typed, shown in (
            ("/ignore mallory", "you ignore mallory: nothing mallory says reaches you"),
            ("/ignores", "you ignore mallory"),
            ("/unignore mallory", "you hear mallory again"),
            ("/lockdown", "lockdown off: everyone may come in"),
            (
                "/lockdown accounts",
                "lockdown accounts: only accounts sign in, and none is registered"
                " (set by root)",
            ),
            ("/lockdown off", "lockdown off: everyone may come in (set by root)"),
            (
                "/gban ip:203.0.113.0/24 1h spam",
                "root banned 203.0.113.0/24 (a network) from the server until 20",
            ),
            ("/gbans", "banned from the server: 203.0.113.0/24 (a network) until 20"),
            (
                "/gunban ip:203.0.113.0/24",
                "root lifted the server ban on 203.0.113.0/24 (a network)",
            ),
        ):
            page.type_into("message-input", typed)
            page.shows(shown)


#: The room's input as a person sees it: the visible field's text, and the
#: password field's (its type, its command, its text).
TYPED = """
const input = document.getElementById("message-input");
const secret = document.getElementById("message-secret");
const box = secret.closest(".secret");
return [input.hidden ? "" : input.value, box.hidden ? null
  : [secret.type, box.querySelector(".secret-command").textContent, secret.value]];
"""


class PasswordTypedTests(WebCase):
    def type_keys(self, page: BrowserPage, text: str, secret: str) -> None:
        """``text`` typed key by key, as a person does: ``secret`` is never
        in the visible field, whatever was typed so far."""
        from selenium.webdriver.common.action_chains import ActionChains

        for key in text:
            ActionChains(page.driver).send_keys(key).perform()
            shown, _ = self.typed(page)
            self.assertFalse(shown and secret[:3] in shown, shown)

    def typed(self, page: BrowserPage) -> Any:
        return page.driver.execute_script(TYPED)

    def test_a_password_typed_in_the_message_box_is_masked(self) -> None:
        """wes, a plain name in tea, types ``/register PASSWORD`` key by key
        in the message box: once ``/register `` is typed, what follows goes
        into a password field of its own (dots), the command in clear
        before it; Enter registers the name, and the password is in
        neither the log, the page nor the input history (Up). ``/login
        NAME`` keeps the name in clear and hides the rest (Escape drops
        it); ``/password OLD NEW`` and ``/delete-account PASSWORD`` hide
        theirs and work."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.element("message-input").click()
        self.type_keys(page, f"/register {PASSWORD}", PASSWORD)
        self.assertEqual(self.typed(page), ["", ["password", "/register", PASSWORD]])
        self.assertEqual(self.focused(page), "message-secret")
        self.screenshot(page, "password-masked")
        self.assert_accessible(page, "a password typed after /register")
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        page.shows("wes is now registered")
        self.assertEqual(self.typed(page), ["", None])
        self.assertEqual(self.focused(page), "message-input")
        ActionChains(page.driver).send_keys(Keys.ARROW_UP).perform()
        self.assertNotIn(PASSWORD, self.typed(page)[0])  # not in the history
        page.element("message-input").clear()
        page.element("message-input").click()

        self.type_keys(page, "/login wes not-my-password", "not-my-password")
        self.assertEqual(
            self.typed(page), ["", ["password", "/login wes", "not-my-password"]]
        )
        ActionChains(page.driver).send_keys(Keys.ESCAPE).perform()
        self.assertEqual(self.typed(page), ["", None])
        page.element("message-input").click()
        self.type_keys(page, "/logi", "-")
        ActionChains(page.driver).send_keys(
            "n wes x", Keys.BACKSPACE, Keys.BACKSPACE
        ).perform()
        self.assertEqual(self.typed(page), ["/login wes", None])  # back to the name
        page.element("message-input").clear()
        page.element("message-input").click()

        new = "scones-and-jam"
        self.type_keys(page, f"/password {PASSWORD} {new}", PASSWORD)
        self.assertEqual(self.typed(page)[0], "")
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        page.shows("the password of wes was changed")
        self.type_keys(page, f"/delete-account {new}", new)
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        page.shows("wes is deleted, with its data")
        kept = page.driver.execute_script(KEPT)
        for secret in (PASSWORD, new, "not-my-password"):
            self.assertNotIn(secret, kept)
