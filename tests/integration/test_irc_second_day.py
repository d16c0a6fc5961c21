"""IRC users see what the others see, in every client (issue 79, point 9):
the spec's ``irc_plain_view`` and ``irssi_view`` journeys, against a real
``twistd chatroom``.

- :class:`IRCPlainViewTests`: an IRC client that sends no ``CAP`` at all,
  signed in with ``PASS account:password``, over a plain socket, as the
  outside check drives it: formatting without ``\\x11``/``\\x1e``, a reply
  naming its addressee and quoting what it answers, a deletion naming the
  message by its time, a rename said in words, a ``PART``/``JOIN`` that
  replays nothing it had, and a reconnect that replays only the lines said
  meanwhile, each with its ``HH:MM``. Also on two nodes
  (tests/integration/test_two_nodes_clients.py), the reconnect coming
  back through the other node.
- :class:`IrssiViewTests`: irssi 1.4 as it comes (``-w`` password, its
  defaults: it asks for ``server-time``, not ``message-tags``) in a room
  with two line users, its window read from tmux as a person reads it.
"""

from __future__ import annotations

import time

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import IRCUser, Irssi, LineUser, RealClientsCase

PASSWORD = "correct-horse-battery"


def msg_id(line: str) -> str:
    """The id of a rich line user's ``@ID MSG ...`` line."""
    return line.split(" ", 1)[0][1:]


def privmsgs(user: IRCUser, channel: str) -> list[str]:
    """The texts of the ``PRIVMSG``\\ s to ``channel`` ``user`` was sent."""
    marker = f" PRIVMSG {channel} :"
    return [line.split(marker, 1)[1] for line in user.lines if marker in line]


class IRCPlainViewTests(RealClientsCase):
    """p9carol (an account) on a plain IRC socket; p9bob owns p9room and
    asks; p9alice (line, ``/caps rich``) answers, reacts, deletes."""

    server_options: tuple[str, ...] = ("--rate", "0")

    def talkers(self) -> tuple[LineUser, LineUser]:
        bob = self.line_user("p9bob")
        bob.send("/caps rich", "/create p9room")
        bob.wait(lambda line: line.startswith("MEMBERS p9room"))
        alice = self.line_user("p9alice")
        alice.send("/caps rich", "/join p9room")
        alice.wait(lambda line: line.startswith("MEMBERS p9room"))
        return bob, alice

    def said(self, user: LineUser, text: str) -> str:
        """``user`` says ``text``; its id, once it came back."""
        user.send(text)
        return msg_id(user.wait(lambda line: line.endswith(f" {text}"), text))

    def test_irc_plain_view(self) -> None:
        self.register("p9carol", PASSWORD)
        bob, alice = self.talkers()
        carol = self.irc_user("p9carol", f"p9carol:{PASSWORD}")
        carol.send("JOIN #p9room")
        carol.wait(lambda line: " 366 p9carol #p9room " in line, "the names")

        # formatting: the Markdown characters, no \x11 or \x1e
        self.said(alice, "run `make run` then ~~ignore~~")
        line = carol.wait(lambda x: "make run" in x, "the formatted line")
        self.assertIn("run `make run` then ~~ignore~~", line)
        self.assertNotRegex(line, "[\x11\x1e]")

        # a reply names its addressee and quotes what it answers
        asked = self.said(bob, "who has the scones?")
        alice.send(f"/reply {asked} yes, in the blue tin")
        reply = carol.wait(lambda x: x.endswith("yes, in the blue tin"), "the reply")
        self.assertIn("p9bob: “who has the scones?” → yes, in the blue tin", reply)

        # a deletion names the message by its time to the second
        secret = "the secret word is swordfish"
        alice.send(secret)
        line = alice.wait(lambda x: x.endswith(secret), "the secret")
        stamp = line.split(" ")[4]
        time.sleep(2.5)  # the spec's journey deletes it 2.5 s after it was said
        alice.send(f"/redact {msg_id(line)}")
        deleted = carol.wait(lambda x: "deleted" in x, "the deletion")
        said = stamp[11:19]
        self.assertIn(f"p9alice deleted their message of {said}", deleted)
        self.assertNotIn("swordfish", deleted)

        # a rename: the PART names the new channel, a NOTICE there says why
        bob.send("/rename p9chai more spice")
        part = carol.wait(lambda x: " PART #p9room " in x, "the PART")
        self.assertIn("#p9chai", part)
        self.assertIn("more spice", part)
        notice = carol.wait(lambda x: " NOTICE #p9chai " in x, "the NOTICE")
        self.assertIn("p9bob renamed #p9room to #p9chai: more spice", notice)

        # PART then JOIN: nothing it had is sent again
        carol.send("PART #p9chai", "JOIN #p9chai")
        carol.wait(lambda x: " 366 p9carol #p9chai " in x, "the names again")
        had = len(carol.lines)
        carol.send("PING :after")
        carol.wait(lambda x: x.endswith(":after"), "the PONG")
        self.assertEqual(privmsgs_after(carol, had, "#p9chai"), [])

        # four lines heard, a QUIT, two lines meanwhile, a reconnect: those two
        before = ["one before", "two before", "three before", "four before"]
        for text in before:
            self.said(bob, text)
        carol.wait(lambda x: x.endswith("four before"), "the last line before")
        carol.send("QUIT :later")
        carol.wait(lambda x: x.startswith("ERROR"), "the ERROR")
        meanwhile = ["said meanwhile", "said meanwhile too"]
        stamps = [self.stamp_of(bob, text) for text in meanwhile]
        # on two nodes, the first connection was node two's: this is node one's
        again = IRCUser(self.server.irc_port, "p9carol", f"p9carol:{PASSWORD}")
        self.addCleanup(again.close)
        again.wait(lambda x: x.endswith("said meanwhile too"), "the replay")
        replayed = privmsgs(again, "#p9chai")
        self.assertEqual(
            replayed,
            [
                f"[{stamp[11:16]}] {text}"
                for stamp, text in zip(stamps, meanwhile, strict=True)
            ],
        )
        self.assertFalse([x for x in replayed if "before" in x])

    def stamp_of(self, user: LineUser, text: str) -> str:
        """``user`` says ``text``: the time its ``MSG`` says it was said."""
        user.send(text)
        return user.wait(lambda line: line.endswith(f" {text}"), text).split(" ")[4]


def privmsgs_after(user: IRCUser, count: int, channel: str) -> list[str]:
    """The ``PRIVMSG``\\ s to ``channel`` among ``user``'s lines after its
    first ``count``."""
    marker = f" PRIVMSG {channel} :"
    return [x.split(marker, 1)[1] for x in user.lines[count:] if marker in x]


class IrssiViewTests(RealClientsCase):
    """i14ivy in irssi 1.4 as it comes, signed in with ``-w``; i14bob and
    i14alice (line users, ``/caps rich``) talk in i14room."""

    server_options: tuple[str, ...] = ("--rate", "0")

    def test_irssi_view(self) -> None:
        self.register("i14ivy", PASSWORD)
        bob = self.line_user("i14bob")
        bob.send("/caps rich", "/create i14room")
        bob.wait(lambda line: line.startswith("MEMBERS i14room"))
        alice = self.line_user("i14alice")
        alice.send("/caps rich", "/join i14room")
        alice.wait(lambda line: line.startswith("MEMBERS i14room"))
        irssi = self.irssi("i14ivy", PASSWORD)
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #i14room")
        irssi.shows("Total of 3 nicks")

        def said(user: LineUser, text: str) -> str:
            user.send(text)
            return msg_id(user.wait(lambda line: line.endswith(f" {text}"), text))

        said(alice, "run `make run` then ~~ignore~~")
        irssi.shows("run `make run` then ~~ignore~~")
        self.assertNotIn("Qmake runQ", irssi.screen())
        self.assertNotIn("^ignore^", irssi.screen())
        (row,) = [x for x in styled_rows(irssi) if "make run" in x]
        self.assertNotIn("\x1b[7m", row)  # no reverse video

        asked = said(bob, "who has the scones?")
        alice.send(f"/reply {asked} yes, in the blue tin")
        irssi.shows("yes, in the blue tin")
        (reply,) = [x for x in irssi.screen().splitlines() if "blue tin" in x]
        self.assertIn("i14bob", reply)
        self.assertIn("who has the scones", reply)

        alice.send(f"/react {asked} 👍")
        irssi.shows("reacted")
        (reacted,) = [x for x in irssi.screen().splitlines() if "reacted" in x]
        self.assertIn("👍", reacted)
        self.assertIn("i14bob", reacted)

        secret = "the secret word is swordfish"
        alice.send(secret)
        line = alice.wait(lambda x: x.endswith(secret), "the secret")
        alice.send(f"/redact {msg_id(line)}")
        irssi.shows("deleted")
        (deleted,) = [x for x in irssi.screen().splitlines() if "deleted" in x]
        self.assertIn(line.split(" ")[4][11:19], deleted)

        bob.send("/rename i14chai more spice")
        bob.wait(lambda line: line.startswith("RENAMED i14room i14chai"), "RENAMED")

        def in_the_new_window() -> bool:
            irssi.type_line("/window goto #i14chai")
            return any(
                "i14room" in row and "more spice" in row
                for row in irssi.screen().splitlines()
            )

        wait_for("the rename's words in #i14chai's window", in_the_new_window)

        joined = "JOIN i14chai i14ivy"
        joins = bob.lines.count(joined)
        irssi.type_line("/part #i14chai")
        bob.wait(lambda line: line.startswith("PART i14chai i14ivy"), "the PART")
        typed: list[float] = []

        def back() -> bool:
            """``/join`` typed (again each second: one typed before irssi
            read its own PART only shows the window it is closing)."""
            if not typed or time.monotonic() - typed[-1] > 1:
                typed.append(time.monotonic())
                irssi.type_line("/join #i14chai")
            return bob.listen(0.1).count(joined) > joins

        wait_for("irssi back in #i14chai", back)
        said(bob, "after the rejoin")
        irssi.shows("after the rejoin")
        screen = irssi.screen()
        for earlier in ("make run", "blue tin", "who has the scones"):
            self.assertNotIn(earlier, screen)


def styled_rows(irssi: Irssi) -> list[str]:
    """irssi's window with its styles, as ``capture-pane -e`` draws them."""
    return irssi.tmux("capture-pane", "-p", "-e", "-t", irssi.nick).splitlines()
