"""The web page beside the Matrix bridge, in headless chromium: a Matrix
user's message shows beside their bridged name with a matrix mark; a
member at the page holds a conversation with a Matrix user (a reply, a
reaction, an edit and a deletion, both ways)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selenium.webdriver.common.by import By

from chatroom.wiring.matrix import registration_text
from tests.client.tmux import wait_for
from tests.integration.real_clients import BrowserPage, RealClientsCase, Server
from tests.integration.test_web_life import CHIPS
from tests.integration.test_web_outbox import reconnect_now
from tests.matrix import Synapse
from tests.matrix.client import MatrixUser

#: The registration's ``url`` until the server it names has its port.
UNSET = "http://127.0.0.1:9"


def relates(event: dict[str, Any]) -> Any:
    return event.get("content", {}).get("m.relates_to", {})


def body_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: bool(event.get("content", {}).get("body") == text)


def redacts(event_id: str) -> Callable[[dict[str, Any]], bool]:
    """Whether an event is the redaction of ``event_id``."""
    return lambda e: (
        e.get("type") == "m.room.redaction"
        and event_id in (e.get("redacts"), e.get("content", {}).get("redacts"))
    )


class MatrixWebTests(RealClientsCase):
    timeout = 240

    def start_servers(self) -> None:
        options = self.bridged()
        self.server = Server(self.folder, *options, db="chat.sqlite3")
        self.push_to(self.server)
        self.server.start()
        self.addCleanup(self.server.stop)

    def bridged(self) -> tuple[str, ...]:
        """A registration (its ``url`` named by :meth:`push_to`) and a
        Synapse to be started on it (:attr:`synapse`): the bridge's options
        for the server."""
        self.registration = self.folder / "chatroom-registration.yaml"
        self.registration.write_text(registration_text(UNSET))
        self.synapse = Synapse(self.folder, [str(self.registration)], start=False)
        return (
            "--matrix-registration", str(self.registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
        )  # fmt: skip

    def push_to(self, server: Server) -> None:
        """Synapse started, its registration's ``url`` at ``server``."""
        text = self.registration.read_text()
        self.registration.write_text(text.replace(UNSET, server.url.rstrip("/")))
        self.synapse.start()
        self.addCleanup(self.synapse.stop)

    def restart_chatroom(self, meanwhile: Callable[[], object]) -> None:
        """chatroom stopped, ``meanwhile`` done, and chatroom started again
        on its store."""
        self.server.stop()
        meanwhile()
        self.server.start()

    def wes_and_mxbob(self) -> tuple[BrowserPage, MatrixUser, str]:
        """wes's page in tea, and mxbob in its portal (the page shows his
        join): the page, his client, the portal's id."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        page.type_into("name-input", "wes")
        page.wait_page("lobby")
        page.type_into("create-input", "tea")
        page.wait_page("room")
        bob = MatrixUser(self.synapse.url, self.synapse.register_user("mxbob"))
        self.addCleanup(bob.close)
        bob.login("secret-pw")
        room_id = bob.join("#chatroom_tea:localhost")
        assert room_id is not None
        page.shows("mxbob:localhost joined")
        return page, bob, room_id

    def menu(self, page: BrowserPage, text: str, item: str) -> None:
        """``item`` of the message menu of the last line holding ``text``,
        chosen as a person does (the menu opened from the keyboard)."""
        from selenium.webdriver.common.keys import Keys

        line = [
            found
            for found in page.driver.find_elements(By.CSS_SELECTOR, "#log li[data-id]")
            if text in found.find_element(By.CSS_SELECTOR, ".text").text
        ][-1]
        line.find_element(By.CSS_SELECTOR, ".more").send_keys(Keys.ENTER)
        wait_for("the menu", lambda: page.visible("message-menu"))
        page.element(item).click()

    def test_the_matrix_mark(self) -> None:
        """wes (the page) in tea; mxbob joins its portal and speaks: the
        page shows his words beside mxbob:localhost, with "matrix" after
        the name (its tooltip: from Matrix), and his join."""
        page, bob, room_id = self.wes_and_mxbob()
        bob.say(room_id, "hello from matrix")
        page.shows("hello from matrix")

        def marked() -> bool:
            marks = page.driver.find_elements(By.CSS_SELECTOR, "#log .bridged")
            return any(mark.text == "matrix" for mark in marks)

        wait_for("the matrix mark", marked)
        mark = page.driver.find_element(By.CSS_SELECTOR, "#log .bridged")
        self.assertEqual(mark.get_attribute("title"), "from Matrix")
        self.assertIn("mxbob:localhost", page.log())

    def test_a_conversation_from_the_page(self) -> None:
        """The issue's conversation with a member at the web door: wes,
        from the page and its message menu, says a message, replies to
        mxbob's, reacts to it, edits and deletes her own; Matrix gets each
        from ``@chatroom_wes:localhost`` pointing at the right event.
        mxbob's edit, reaction and deletion show in the page."""
        from selenium.webdriver.common.keys import Keys

        page, bob, room_id = self.wes_and_mxbob()
        puppet = "@chatroom_wes:localhost"

        def menu(text: str, item: str) -> None:
            self.menu(page, text, item)

        def arrived(what: str, check: Any) -> dict[str, Any]:
            return bob.wait_event(room_id, what, check)

        his = bob.say(room_id, "hello from matrix")
        page.shows("hello from matrix")
        page.type_into("message-input", "hi bob")
        mine = arrived("wes's message", body_is("hi bob"))
        self.assertEqual(mine["sender"], puppet)

        menu("hello from matrix", "menu-reply")
        wait_for("replying", lambda: page.visible("compose-bar"))
        page.type_into("message-input", "glad you came")
        reply = arrived(
            "wes's reply",
            lambda e: str(e.get("content", {}).get("body", "")).endswith(
                "glad you came"
            ),
        )
        self.assertEqual(
            (reply["sender"], relates(reply)),
            (puppet, {"m.in_reply_to": {"event_id": his}}),
        )
        menu("hello from matrix", "menu-react")
        wait_for("the picker", lambda: page.visible("react-picker"))
        page.element("react-choices").find_element(
            By.CSS_SELECTOR, '[aria-label="react with 👍"]'
        ).click()
        reaction = arrived(
            "wes's reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            (reaction["sender"], relates(reaction)),
            (puppet, {"rel_type": "m.annotation", "event_id": his, "key": "👍"}),
        )
        menu("hi bob", "menu-edit")
        page.element("message-input").send_keys("!", Keys.ENTER)
        edit = arrived(
            "wes's edit",
            lambda e: (
                e.get("content", {}).get("m.new_content", {}).get("body") == "hi bob!"
            ),
        )
        self.assertEqual(
            (edit["sender"], relates(edit)),
            (puppet, {"rel_type": "m.replace", "event_id": mine["event_id"]}),
        )
        page.shows("hi bob! (edited)")
        menu("hi bob!", "menu-delete")
        wait_for("asked first", lambda: page.visible("delete-dialog"))
        page.element("delete-confirm").click()
        arrived(
            "wes's deletion",
            lambda e: (
                e.get("type") == "m.room.redaction"
                and mine["event_id"]
                in (e.get("redacts"), e.get("content", {}).get("redacts"))
            ),
        )

        bob.edit(room_id, his, "hello again from matrix")
        page.shows("hello again from matrix (edited)")
        bob.react(room_id, reply["event_id"], "🎉")
        wait_for(
            "mxbob's chip",
            lambda: page.driver.execute_script(CHIPS, "glad you came") == ["🎉 1"],
        )
        bob.redact(room_id, his, "gone")
        wait_for(
            "his message gone",
            lambda: "hello again from matrix" not in page.log(),
        )
        mine_said = [e for e in bob.timeline(room_id) if body_is("hi bob")(e)]
        self.assertEqual(len(mine_said), 1)

    def test_a_conversation_from_the_page_across_restarts(self) -> None:
        """wes (the page) and mxbob each say a message, and wes a mistake;
        Synapse is stopped while wes speaks, then started; chatroom is
        stopped while mxbob speaks, then started, and the page comes back.
        Then, about the messages from before: wes's reply to mxbob's and
        her reaction to it point at his event, her edit and her deletion
        at hers; his edit, his reaction to hers and his deletion show in
        the page. Each message is once in his timeline and once in the
        page."""
        from selenium.webdriver.common.keys import Keys

        page, bob, room_id = self.wes_and_mxbob()

        def arrived(what: str, check: Any) -> dict[str, Any]:
            return bob.wait_event(room_id, what, check, 90)

        his = bob.say(room_id, "hello from matrix")
        page.shows("hello from matrix")
        page.type_into("message-input", "hi bob")
        mine = arrived("wes's message", body_is("hi bob"))["event_id"]
        page.type_into("message-input", "oops")
        oops = arrived("wes's mistake", body_is("oops"))["event_id"]

        self.synapse.stop()
        page.type_into("message-input", "while synapse was away")
        page.shows("while synapse was away")
        self.synapse.start()
        arrived("wes's words while away", body_is("while synapse was away"))
        self.restart_chatroom(lambda: bob.say(room_id, "while chatroom was away"))
        reconnect_now(page)
        wait_for("the page back", lambda: page.status() == "connected")
        page.wait_page("room")
        page.shows("while chatroom was away")

        self.menu(page, "hello from matrix", "menu-reply")
        wait_for("replying", lambda: page.visible("compose-bar"))
        page.type_into("message-input", "welcome back")
        reply = arrived(
            "wes's reply",
            lambda e: str(e.get("content", {}).get("body", "")).endswith(
                "welcome back"
            ),
        )
        self.assertEqual(relates(reply), {"m.in_reply_to": {"event_id": his}})
        self.menu(page, "hello from matrix", "menu-react")
        wait_for("the picker", lambda: page.visible("react-picker"))
        page.element("react-choices").find_element(
            By.CSS_SELECTOR, '[aria-label="react with 👍"]'
        ).click()
        reaction = arrived(
            "wes's reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            relates(reaction),
            {"rel_type": "m.annotation", "event_id": his, "key": "👍"},
        )
        self.menu(page, "hi bob", "menu-edit")
        page.element("message-input").send_keys("!", Keys.ENTER)
        edit = arrived(
            "wes's edit",
            lambda e: (
                e.get("content", {}).get("m.new_content", {}).get("body") == "hi bob!"
            ),
        )
        self.assertEqual(relates(edit), {"rel_type": "m.replace", "event_id": mine})
        self.menu(page, "oops", "menu-delete")
        wait_for("asked first", lambda: page.visible("delete-dialog"))
        page.element("delete-confirm").click()
        arrived("wes's deletion", redacts(oops))

        bob.edit(room_id, his, "hello again from matrix")
        page.shows("hello again from matrix (edited)")
        bob.react(room_id, mine, "🎉")
        wait_for(
            "mxbob's chip",
            lambda: page.driver.execute_script(CHIPS, "hi bob!") == ["🎉 1"],
        )
        bob.redact(room_id, his, "gone")
        wait_for(
            "his message gone", lambda: "hello again from matrix" not in page.log()
        )
        bob.say(room_id, "the end")
        page.shows("the end")

        bodies = [e.get("content", {}).get("body") for e in bob.timeline(room_id)]
        for body in ("hi bob", "oops", "while synapse was away"):
            self.assertEqual(bodies.count(body), 1, bodies)
        self.assertEqual(
            sum(str(b).endswith("welcome back") for b in bodies if b), 1, bodies
        )
        log = page.log()
        for said in ("while synapse was away", "while chatroom was away", "hi bob!"):
            self.assertEqual(log.count(said), 1, log)
        self.assertNotIn("oops", log)
