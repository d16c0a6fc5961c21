"""The web client's files (``--files``), in headless chromium.

A real ``twistd chatroom`` with uploads on (see
:mod:`tests.integration.real_clients`), its files beside its ``--db``: a
signed-in page attaches a picture (by its file field, by dropping it on
the room, by pasting it into the input) and a text file; a line user sees
each as a link, and another page sees the picture inline and the text
file as a card.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import WebCase

PASSWORD = "tea-and-biscuits"


def picture(width: int, height: int) -> bytes:
    """A PNG of ``width``×``height`` in a teapot's brown, with a paler band."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + (b"\xe8\xc8\xa0" if height // 3 < y < height // 2 else b"\x8b\x5a\x2b")
        * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


#: A picture larger than the log shows it (it is scaled to 320×240 at most).
PNG = base64.b64encode(picture(480, 300)).decode()

#: Drops (or pastes, into the input) a file made in the page:
#: arguments[0] the event ("drop" or "paste"), [1] the name, [2] the type,
#: [3] the bytes in base64.
GIVE_FILE = """
const [kind, name, type, data] = arguments;
const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
const carried = new DataTransfer();
carried.items.add(new File([bytes], name, { type }));
const given = { bubbles: true, cancelable: true };
if (kind === "drop") {
  const room = document.getElementById("room-page");
  const carrying = { ...given, dataTransfer: carried };
  room.dispatchEvent(new DragEvent("dragover", carrying));
  room.dispatchEvent(new DragEvent("drop", carrying));
} else {
  const pasted = new ClipboardEvent("paste", { ...given, clipboardData: carried });
  document.getElementById("message-input").dispatchEvent(pasted);
}
"""

#: The images of the room's log that have loaded: [href of their link, alt].
LOADED_IMAGES = """
return [...document.querySelectorAll("#log a.attachment.image img")]
  .filter((image) => image.complete && image.naturalWidth > 0)
  .map((image) => [image.parentElement.href, image.alt]);
"""

FILE_URL = re.compile(r"http://127\.0\.0\.1:\d+/files/[A-Za-z0-9_-]{16}/\S+")


class WebFilesTests(WebCase):
    """Pictures and files shared from the page."""

    db = "chat.db"
    server_options = ("--rate", "0", "--files")

    def signed_in_page(self, name: str) -> BrowserPage:
        page = self.open_page()
        page.type_into("name-input", name, enter=False)
        page.element("register-input").click()
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        return page

    def shared(self, user: LineUser) -> str:
        """The next file URL ``user`` sees alice say in tea."""
        line = user.wait(
            lambda line: line.startswith("MSG tea alice ") and "/files/" in line,
            "alice's file",
        )
        user.lines.remove(line)
        match = FILE_URL.search(line)
        assert match is not None, line
        return match.group(0)

    def test_picture_inline_and_a_link_at_the_line_door(self) -> None:
        """alice attaches a picture three ways: bob, at the line door, gets
        each as a message carrying its URL, and carol's page shows each
        inline, scaled, opening full size in a new tab; a text file is a
        card with its name and size. The files are beside --db."""
        alice = self.signed_in_page("alice")
        self.go_to(alice, "tea")
        bob = self.in_room("bob", "tea")
        carol = self.open_page()
        self.enter(carol, "carol")
        self.go_to(carol, "tea")
        wait_for("the Attach button", lambda: alice.visible("attach-button"))
        self.assertFalse(carol.visible("attach-button"))  # a plain name

        self.script(alice, 'document.getElementById("attach-input").hidden = false')
        picture = self.folder / "cat.png"
        picture.write_bytes(base64.b64decode(PNG))
        alice.element("attach-input").send_keys(str(picture))
        first = self.shared(bob)
        self.assertTrue(first.endswith("/cat.png"), first)
        self.script(alice, GIVE_FILE, "drop", "dropped.png", "image/png", PNG)
        self.assertTrue(self.shared(bob).endswith("/dropped.png"))
        self.script(alice, GIVE_FILE, "paste", "image.png", "image/png", PNG)
        self.assertTrue(self.shared(bob).endswith("/image.png"))

        wait_for(
            "three pictures in carol's page",
            lambda: len(self.script(carol, LOADED_IMAGES)) == 3,
        )
        images = self.script(carol, LOADED_IMAGES)
        self.assertEqual(images[0], [first, "cat.png"])
        link = self.find(carol, "#log a.attachment.image")[0]
        self.assertEqual(link.get_attribute("target"), "_blank")
        height = self.script(
            carol, 'return document.querySelector("#log a.attachment img").height'
        )
        self.assertLessEqual(height, 240)
        self.assertEqual(len(list((self.folder / "chat-files").iterdir())), 3)

        self.script(alice, GIVE_FILE, "drop", "notes.txt", "text/plain", "aGVsbG8K")
        self.assertTrue(self.shared(bob).endswith("/notes.txt"))
        wait_for("the card", lambda: bool(self.find(carol, "#log a.attachment.card")))
        card = self.find(carol, "#log a.attachment.card")[0]
        self.assertEqual(card.text.splitlines(), ["notes.txt", "6 bytes · text/plain"])
        self.assertTrue(alice.element("uploads").get_attribute("hidden"))
        page = carol  # what docs/web.md shows: carol's page
        self.screenshot(page, "files")

    def test_refused_upload_said_in_words(self) -> None:
        """An upload the server refuses (over --max-upload here: a 2-byte
        limit) is said in the log with the server's reason; nothing is
        sent to the room."""
        self.server.stop()
        self.server.options = (*self.server_options, "--max-upload", "2")
        self.server.start()
        alice = self.signed_in_page("alice")
        self.go_to(alice, "tea")
        bob = self.in_room("bob", "tea")
        wait_for("the Attach button", lambda: alice.visible("attach-button"))
        self.script(alice, GIVE_FILE, "drop", "notes.txt", "text/plain", "aGVsbG8K")
        alice.shows("notes.txt was not uploaded: uploads are limited to 2 bytes")
        self.assertFalse(any("/files/" in line for line in bob.lines))
