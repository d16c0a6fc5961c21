"""IRCv3 with real clients: irssi and WeeChat read history as history.

A room's stored messages are given old times (written into the server's
SQLite file between two runs), so a client that shows them with *their*
times, not the time of the replay, is visibly right: irssi and WeeChat
both negotiate ``server-time`` and show ``03:04``; WeeChat's log keeps the
full original date. Both then chat with a line user as usual.
"""

from __future__ import annotations

import sqlite3
import time

from tests.integration.real_clients import RealClientsCase

#: The stored messages: (id, kind, user, stamp, text).
OLD_TALK = [
    (1, "MSG", "lina", "2026-01-02T03:04:05.000Z", "old news from lina"),
    (2, "ACTION", "lina", "2026-01-02T03:04:06.000Z", "yawns"),
    (3, "MSG", "bob", "2026-01-02T03:05:07.000Z", "and bob replied"),
]


class HistoryTests(RealClientsCase):
    """History replayed with its nicks and times; then live chat."""

    db = "chat.sqlite"
    server_options = ("--rooms", "tea")

    def setUp(self) -> None:
        super().setUp()
        self.server.stop()  # the server made its file; give tea a past
        with sqlite3.connect(self.folder / self.db) as db:
            db.executemany(
                "INSERT INTO events (room, id, kind, user, stamp, text, at) "
                "VALUES ('tea', ?, ?, ?, ?, ?, ?)",
                [(*row, time.time()) for row in OLD_TALK],
            )
            db.execute("INSERT OR REPLACE INTO ids (key, last) VALUES ('tea', 3)")
        self.server.start()

    def test_irssi_shows_history_at_its_time_then_chats(self) -> None:
        """irssi (server-time, shown with show_server_time) shows the replay
        as the original messages at their own times, from their nicks; then
        it chats with a line user."""
        irssi = self.irssi("ivy", server_time=True)
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #tea")
        irssi.shows("03:04 < lina> old news from lina")
        irssi.shows("03:04  * lina yawns")
        irssi.shows("03:05 < bob> and bob replied")
        screen = irssi.screen()
        self.assertNotIn("NOTICE", screen)
        self.assertNotIn("[03:04]", screen)  # one time per line, not two

        lina = self.line_user("lina")
        lina.send("/join tea")
        lina.wait(lambda line: line.startswith("MEMBERS tea"))
        lina.send("fresh words")
        irssi.shows("< lina> fresh words")
        irssi.type_line("hello lina")
        lina.wait(lambda line: line.endswith(" hello lina"), "irssi's line")
        self.assertEqual(irssi.screen().count("old news from lina"), 1)

    def test_weechat_negotiates_and_logs_original_times(self) -> None:
        """WeeChat negotiates server-time (and batch, message-tags when
        asked); its log has each replayed line at its original date and
        time, from the original nick; it chats with a line user."""
        weechat = self.weechat("wes", "*,batch")
        weechat.shows("server", "irc: client capability, enabled:")
        enabled = next(
            line
            for line in weechat.log("server").splitlines()
            if "client capability, enabled:" in line
        )
        for cap in ("server-time", "message-tags", "batch"):
            self.assertIn(cap, enabled.split())
        weechat.command("join #tea")
        weechat.shows("#tea", "2026-01-02 03:04:05\tlina\told news from lina")
        weechat.shows("#tea", "2026-01-02 03:04:06\t *\tlina yawns")
        weechat.shows("#tea", "2026-01-02 03:05:07\tbob\tand bob replied")

        lina = self.line_user("lina")
        lina.send("/join tea")
        lina.wait(lambda line: line.startswith("MEMBERS tea"))
        lina.send("fresh words")
        weechat.shows("#tea", "\tlina\tfresh words")
        weechat.command("msg #tea hello lina")
        lina.wait(lambda line: line.endswith(" hello lina"), "WeeChat's line")
        self.assertEqual(weechat.log("#tea").count("old news from lina"), 1)
