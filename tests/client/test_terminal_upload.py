"""``/upload PATH`` in a real terminal (issue 33): the client in tmux
against a real ``twistd chatroom --http --files``; the file goes over real
HTTP, the link to everyone. Saved screens: see ``tmux.py``."""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path

from tests.client.tmux import TerminalCase, TerminalClient
from tests.integration.real_clients import LineUser
from tests.support import free_port

#: The smallest PNG there is (1×1, transparent): 68 bytes.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class UploadTerminalTests(TerminalCase):
    """An account shares a file from the terminal as the web client does."""

    def setUp(self) -> None:
        self.http_port = free_port()
        self.files = Path(tempfile.mkdtemp(prefix="chatroom-files-"))
        self.addCleanup(shutil.rmtree, self.files, True)
        self.server_options = (
            "--rate",
            "0",
            "--http",
            f"tcp:{self.http_port}:interface=127.0.0.1",
            "--files",
            "--files-dir",
            str(self.files),
            "--max-upload",
            "100",
        )
        super().setUp()

    def bob_in_tea(self) -> LineUser:
        """bob, at the line door, in the room ``tea`` he made."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("JOINED tea"), "JOINED tea")
        return bob

    def signed_in_alice(self) -> TerminalClient:
        """alice, made an account, in the room ``tea`` that bob is in."""
        alice = TerminalClient(self, "alice", "--username", "alice", size=(120, 30))
        alice.shows("you are alice")
        alice.type_line("/register sugar-lumps")
        alice.shows("alice is now your account")
        alice.type_line("/join tea")
        alice.shows("you joined tea")
        return alice

    def test_upload_shares_the_file_with_its_name_and_size(self) -> None:
        """``/upload cat.png`` in a room: the status bar says it is
        uploading, bob (at the line door) gets the file's URL as alice's
        message, the URL serves the bytes, and alice's screen shows the
        message with ``↳ file: cat.png (image/png, 68 bytes)`` under it."""
        bob = self.bob_in_tea()
        alice = self.signed_in_alice()
        picture = self.folder / "cat.png"
        picture.write_bytes(PNG)
        alice.type_line(f"/upload {picture}")
        said = bob.wait(lambda line: line.startswith("MSG tea alice "), "the link")
        url = said.rsplit(" ", 1)[1]
        self.assertRegex(
            url, rf"^http://localhost:{self.http_port}/files/\S+/cat\.png$"
        )
        alice.shows("uploaded cat.png (68 bytes)")
        alice.shows("↳ file: cat.png (image/png, 68 bytes)")
        alice.shows(f"<alice> {url}")
        stored = [path for path in self.files.rglob("*") if path.is_file()]
        self.assertIn(PNG, [path.read_bytes() for path in stored])
        alice.capture("uploaded")

    def test_refusals_are_the_servers_reasons(self) -> None:
        """A file over ``--max-upload`` is refused with the server's reason
        and shared with nobody; a path that is not there is said at once;
        a plain name (no account) is told why."""
        bob = self.bob_in_tea()
        alice = self.signed_in_alice()
        big = self.folder / "big.bin"
        big.write_bytes(b"x" * 101)
        alice.type_line(f"/upload {big}")
        alice.shows("big.bin was not uploaded: uploads are limited to 100 bytes")
        alice.type_line(f"/upload {self.folder / 'missing.png'}")
        alice.shows("No such file or directory")
        carol = TerminalClient(self, "carol", "--username", "carol", size=(120, 30))
        carol.shows("you are carol")
        carol.type_line("/join tea")
        carol.shows("you joined tea")
        carol.type_line(f"/upload {big}")
        carol.shows("big.bin was not uploaded: you are not signed in to an account")
        bob.send("PING settled")  # answered after everything before it
        bob.wait(lambda line: line == "PONG settled", "PONG settled")
        self.assertFalse([line for line in bob.lines if " MSG tea " in line])
        self.assertEqual([p for p in self.files.rglob("*") if p.is_file()], [])
