"""Rejoining replays only what was missed (chatroom/doors/irc/positions.py;
issue 79, point 9).

An IRC client without ``draft/chathistory`` is replayed a room's history
at each join. These tests hold that a join replays only what the client
was not sent: after a ``PART`` on the same connection nothing it had; at
sign-in (the account's rooms put back, or a ``JOIN``) what came after the
newest event any IRC session of the account was sent there, or after the
account's read marker if later, at most ``--resume-bound`` with a
``NOTICE`` saying how many were left out; a first join the last
``--history``; a plain nick on its connection alone. Without
``server-time`` each replayed line keeps its original time before it.
Real :class:`IRCProtocol` objects over ``StringTransport`` on a
``task.Clock`` (and on two nodes: tests/cluster/test_irc_two_nodes.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.positions import DOOR, KEEP_EVERY
from chatroom.doors.irc.protocol import IRCFactory
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.support import (
    NOW,
    STAMP,
    FakeClient,
    SettlingClock,
    in_place,
    local_server,
    settle,
)


def said(lines: list[str]) -> list[str]:
    """The words of each PRIVMSG to #tea among ``lines`` (tags and source
    left out), in order."""
    return [
        untagged(line).split(" PRIVMSG #tea :", 1)[1]
        for line in lines
        if " PRIVMSG #tea :" in line
    ]


class ReplayPositionTests(AccountsCase):
    """bob (line) owns tea and talks there; carol is a plain IRC nick;
    alice an account whose IRC sessions sign in with ``PASS``. A join
    replays at most 3 (``--history``), a catch-up at most 4
    (``--resume-bound``)."""

    config = ServerConfig(rate=0, history=3, resume_bound=4)

    def setUp(self) -> None:
        super().setUp()
        self.account("alice")
        self.bob = FakeClient(self.server)
        self.bob.send("bob")
        self.bob.send("/create tea")
        self.says("m1", "m2", "m3", "m4", "m5")

    def says(self, *words: str) -> None:
        """bob says each of ``words`` in tea, a minute apart."""
        for word in words:
            self.clock.advance(60)
            self.bob.send(word)
        self.bob.received()

    def keeping(self) -> None:
        """The doors keep positions now and then, as when they listen."""
        for door in self.doors:
            door.startFactory()
            self.addCleanup(door.stopFactory)

    def alice(
        self, *caps: str, door: IRCFactory | None = None
    ) -> tuple[IRCClient, list[str]]:
        """An IRC session of alice (``PASS``) with ``caps``, through
        ``door`` (the next one if not given); its burst."""
        client = IRCClient(door or self.next_door())
        client.send("CAP LS 302", f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :a")
        if caps:
            client.send(f"CAP REQ :{' '.join(caps)}")
        client.received()
        client.send("CAP END")
        lines = client.received()
        self.assertIn(" 001 alice ", lines[0])
        return client, lines

    def test_part_and_join_replay_nothing_already_sent(self) -> None:
        """carol's first join gets the last 3 messages, each with its time;
        a PART and JOIN then replays nothing; after two more messages said
        while she was out, a JOIN replays those two alone."""
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        self.assertEqual(
            said(carol.received()), ["[18:07] m3", "[18:08] m4", "[18:09] m5"]
        )
        self.says("m6")
        self.assertEqual(said(carol.received()), ["m6"])
        carol.send("PART #tea", "JOIN #tea")
        lines = carol.received()
        self.assertIn(":carol!carol@chatroom JOIN :#tea", lines)
        self.assertEqual(said(lines), [])
        carol.send("PART #tea")
        self.says("m7", "m8")
        carol.send("JOIN #tea")
        self.assertEqual(said(carol.received()), ["[18:11] m7", "[18:12] m8"])

    def test_a_plain_nick_is_tracked_on_its_connection(self) -> None:
        """carol quits and connects again: a new connection of a plain
        nick is a first join, the last 3 again."""
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        carol.received()
        carol.send("QUIT")
        again = self.irc("carol")
        again.send("JOIN #tea")
        self.assertEqual(
            said(again.received()), ["[18:07] m3", "[18:08] m4", "[18:09] m5"]
        )

    def test_a_reconnect_replays_what_was_said_meanwhile(self) -> None:
        """alice's session joins tea (the last 3), hears two lines, quits;
        two lines are said; her next session is put back in tea and
        replayed those two, each with its time, none before."""
        first, _ = self.alice()
        first.send("JOIN #tea")
        self.assertEqual(
            said(first.received()), ["[18:07] m3", "[18:08] m4", "[18:09] m5"]
        )
        self.says("m6", "m7")
        self.assertEqual(said(first.received()), ["m6", "m7"])
        first.send("QUIT :bye")
        self.says("m8", "m9")
        _again, burst = self.alice()
        self.assertIn(":alice!alice@chatroom JOIN :#tea", burst)
        self.assertEqual(said(burst), ["[18:12] m8", "[18:13] m9"])

    def test_server_time_clients_get_the_times_as_tags(self) -> None:
        """With server-time the replay carries each line's own time as
        ``@time`` and no ``[HH:MM]``."""
        first, _ = self.alice("server-time")
        first.send("JOIN #tea")
        first.received()
        first.session.connectionLost(Failure(ConnectionLost()))
        self.says("m6")
        _again, burst = self.alice("server-time")
        (line,) = [line for line in burst if " PRIVMSG #tea " in line]
        self.assertEqual(said([line]), ["m6"])
        self.assertEqual(tags_of(line)["time"], STAMP.replace("18:04", "18:10"))

    def test_more_missed_than_the_bound(self) -> None:
        """Six lines missed, four replayed (``--resume-bound``), after a
        NOTICE saying two were left out."""
        first, _ = self.alice()
        first.send("JOIN #tea")
        first.send("QUIT")
        self.says("n1", "n2", "n3", "n4", "n5", "n6")
        _again, burst = self.alice()
        self.assertIn(
            ":chatroom NOTICE #tea :2 earlier events left out: a replay holds the"
            " newest 4",
            burst,
        )
        notice = burst.index(
            next(line for line in burst if line.startswith(":chatroom NOTICE #tea :2"))
        )
        self.assertEqual(
            [x.split("] ")[1] for x in said(burst[notice:])], ["n3", "n4", "n5", "n6"]
        )

    def test_a_later_read_marker_wins(self) -> None:
        """alice read further on the line door than her IRC session was
        sent, then left tea there: her next IRC session's JOIN starts after
        her read marker."""
        first, _ = self.alice()
        first.send("JOIN #tea")
        first.send("QUIT")
        self.says("o1", "o2", "o3")  # ids 6, 7, 8
        line = FakeClient(self.server)
        line.send(f"/login alice {PASSWORD}")
        line.send("/join tea")
        line.send("/read tea 7")
        line.send("/leave")
        line.send("/quit")
        again, burst = self.alice()
        self.assertNotIn(":alice!alice@chatroom JOIN :#tea", burst)
        again.send("JOIN #tea")
        self.assertEqual(said(again.received()), ["[18:12] o3"])

    def test_a_join_after_sign_in_starts_after_the_accounts_position(self) -> None:
        """alice's session parts tea (the account is out of it, so her next
        sign-in does not put her back); two lines later, her next session's
        JOIN replays those two, not the last 3."""
        first, _ = self.alice()
        first.send("JOIN #tea", "PART #tea", "QUIT")
        self.says("p1", "p2")
        again, burst = self.alice()
        self.assertNotIn(":alice!alice@chatroom JOIN :#tea", burst)
        again.send("JOIN #tea")
        self.assertEqual(said(again.received()), ["[18:10] p1", "[18:11] p2"])

    def test_another_session_here_was_sent_it(self) -> None:
        """alice's first session is in tea and hears two lines; her second
        session, signing in meanwhile on the same node, is shown tea with
        nothing replayed: what the first was sent counts at once."""
        first, _ = self.alice(door=self.factory)
        first.send("JOIN #tea")
        self.says("q1", "q2")
        first.received()
        _second, burst = self.alice(door=self.factory)
        self.assertIn(":alice!alice@chatroom JOIN :#tea", burst)
        self.assertEqual(said(burst), [])

    def test_a_session_elsewhere_counts_once_kept(self) -> None:
        """alice's first session (on the other node, on two) hears two
        lines and keeps its position now and then: a second session
        signing in after that is shown tea with nothing replayed."""
        self.keeping()
        first, _ = self.alice(door=self.doors[-1])
        first.send("JOIN #tea")
        self.says("q1", "q2")
        self.clock.advance(KEEP_EVERY)
        _second, burst = self.alice(door=self.factory)
        self.assertIn(":alice!alice@chatroom JOIN :#tea", burst)
        self.assertEqual(said(burst), [])

    def test_positions_are_kept_now_and_then(self) -> None:
        """A session's position is kept for its account every KEEP_EVERY
        seconds while it moves (a node that dies loses no more), without a
        write per message."""
        self.keeping()
        first, _ = self.alice()
        first.send("JOIN #tea")
        self.bob.send("r1")
        self.assertEqual(self.kept(), {})
        self.clock.advance(KEEP_EVERY)
        self.assertEqual(self.kept(), {"tea": 6})

    def kept(self) -> dict[str, int]:
        """alice's IRC positions as her account keeps them."""
        users = self.server.registry.users
        read = Deferred.fromCoroutine(users.door_state("alice", DOOR))
        settle()  # on two nodes: once Redis has answered
        return self.successResultOf(read).sent


class KeptAcrossRestartTests(unittest.TestCase):
    """An account's IRC positions and choices are kept in the ``--db``
    file: a restart replays nothing its sessions were sent."""

    def test_positions_and_choices_survive_a_restart(self) -> None:
        """ivy's session hears bob's two lines, turns the notes off and
        quits; the server restarts; two more lines are said; her next
        session is replayed those two alone, and no note of a reaction."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = SettlingClock()
        clock.advance(NOW)
        config = ServerConfig(rate=0, history=10)

        def start() -> IRCFactory:
            clock.advance(FLUSH_INTERVAL)
            store = SqliteStore(path, clock, in_place, config.retention)
            self.addCleanup(store.db.close)
            server = local_server(config, clock, store)
            server.registry.accounts.hasher = PasswordHasher(
                time_cost=1, memory_cost=8, parallelism=1
            )
            return IRCFactory(server)

        def ivy(door: IRCFactory) -> tuple[IRCClient, list[str]]:
            client = IRCClient(door)
            client.send(f"PASS {PASSWORD}", "NICK ivy", "USER ivy 0 * :ivy")
            return client, client.received()

        door = start()
        bob = FakeClient(door.server)
        for line in ("bob", "/create tea", "/set keep on", "one", "two"):
            bob.send(line)
        first = IRCClient(door)
        first.send("NICK ivy", "USER ivy 0 * :ivy", f"NS REGISTER {PASSWORD}")
        first.send("JOIN #tea")
        self.assertEqual(said(first.received()), ["[18:04] one", "[18:04] two"])
        first.send("NS SET IRC-NOTES OFF", "QUIT")
        door = start()
        bob = FakeClient(door.server)
        for line in ("bob", "/caps rich", "/join tea", "three", "four", "/react 3 👍"):
            bob.send(line)
        _again, burst = ivy(door)
        self.assertEqual(said(burst), ["[18:04] three", "[18:04] four"])
        self.assertFalse([line for line in burst if " NOTICE #tea " in line], burst)
