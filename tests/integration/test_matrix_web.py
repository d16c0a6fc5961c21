"""The web page beside the Matrix bridge, in headless chromium: a Matrix
user's message shows beside their bridged name with a matrix mark."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from chatroom.wiring.matrix import registration_text
from tests.client.tmux import wait_for
from tests.integration.real_clients import RealClientsCase, Server
from tests.matrix import Synapse
from tests.matrix.client import MatrixUser


class MatrixWebTests(RealClientsCase):
    timeout = 240

    def start_servers(self) -> None:
        registration = self.folder / "chatroom-registration.yaml"
        registration.write_text(registration_text("http://127.0.0.1:9"))
        self.synapse = Synapse(self.folder, [str(registration)], start=False)
        self.server = Server(
            self.folder,
            "--matrix-registration", str(registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
        )  # fmt: skip
        text = registration.read_text()
        registration.write_text(
            text.replace("http://127.0.0.1:9", self.server.url.rstrip("/"))
        )
        self.synapse.start()
        self.addCleanup(self.synapse.stop)
        self.server.start()
        self.addCleanup(self.server.stop)

    def test_the_matrix_mark(self) -> None:
        """wes (the page) in tea; mxbob joins its portal and speaks: the
        page shows his words beside mxbob:localhost, with "matrix" after
        the name (its tooltip: from Matrix), and his join."""
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
        bob.say(room_id, "hello from matrix")
        page.shows("hello from matrix")

        def marked() -> bool:
            marks = page.driver.find_elements(By.CSS_SELECTOR, "#log .bridged")
            return any(mark.text == "matrix" for mark in marks)

        wait_for("the matrix mark", marked)
        mark = page.driver.find_element(By.CSS_SELECTOR, "#log .bridged")
        self.assertEqual(mark.get_attribute("title"), "from Matrix")
        self.assertIn("mxbob:localhost", page.log())
