"""Messages with a life as real IRC clients see them (issue 22's fallbacks).

A line user with ``/caps rich`` replies to, edits and deletes messages in a
room where irssi and WeeChat sit. Neither client speaks the drafts for
edits or deletions, so each must see the fallback docs/irc.md promises, in
words a person reads, never a raw protocol event. irssi (no
``message-tags``) reads a reply starting with its addressee and a quote of
what it answers, and an edit and a deletion each as a notice naming the
message; WeeChat (``message-tags``) reads an edit as a new ``* text`` line
from its author answering the message, and a deletion as a notice.
"""

from __future__ import annotations

from tests.integration.real_clients import RealClientsCase


class LifeFallbackTests(RealClientsCase):
    """bob (line, rich) talks; irssi and WeeChat read."""

    server_options = ("--rooms", "tea")

    def test_irssi_reads_replies_edits_and_deletions(self) -> None:
        """irssi shows bob's reply as his message naming what it answers,
        his edit as a notice quoting what it read, and his deletion as a
        notice naming whose message of when, with its reason."""
        irssi = self.irssi("ivy")
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #tea")
        irssi.shows("Join to #tea was synced")
        bob = self.line_user("bob")
        bob.send("/caps rich", "/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))
        bob.send("the meeting is at 10")
        bob.wait(lambda line: line.endswith(" the meeting is at 10"))
        irssi.shows("< bob> the meeting is at 10")
        bob.send("/reply 1 bring the slides too")
        irssi.shows("< bob> bob: “the meeting is at 10” → bring the slides too")
        bob.send("/edit 1 the meeting is at 11")
        irssi.shows("bob edited “the meeting is at 10” → the meeting is at 11")
        bob.send("buy cheap watches")
        said = bob.wait(lambda line: line.endswith(" buy cheap watches"))
        irssi.shows("< bob> buy cheap watches")
        bob.send("/redact 4 posted in the wrong room")
        when = said.split(" ")[4][11:19]
        irssi.shows(f"bob deleted their message of {when}: posted in the wrong room")
        screen = irssi.screen()
        self.assertNotIn("REDACT", screen)
        self.assertNotIn("EDIT", screen)

    def test_weechat_logs_the_fallbacks(self) -> None:
        """WeeChat (message-tags on, no redaction draft) logs an edit as a
        new ``* text`` line from bob and a deletion as a notice in words."""
        weechat = self.weechat("wes")
        weechat.command("join #tea")
        bob = self.line_user("bob")
        bob.send("/caps rich", "/join tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"))
        bob.send("lunch at noon")
        weechat.shows("#tea", "bob\tlunch at noon")
        bob.send("/edit 1 lunch at one")
        weechat.shows("#tea", "bob\t* lunch at one")
        bob.send("/redact 1")
        weechat.shows("#tea", "bob deleted their message of ")
        self.assertNotIn("REDACT", weechat.log("#tea"))
