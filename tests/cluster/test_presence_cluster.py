"""Every node answers for the whole cluster: ``WHO``, ``WHOX``, ``WHOIS``,
``USERHOST``, a private message's ``301`` and ``MONITOR`` show an IRC user
of another node as its own node shows it (chatroom.core.model.presence).

Each test runs twice, with the same assertions: its two IRC users on two
Redis-backed nodes (real sockets, one real ``redis-server``), and on one
server alone (no Redis), where they are the door's own.
"""

from __future__ import annotations

import os
import signal

from twisted.internet import defer, reactor, task

from chatroom.core.model.whowas import WHOWAS_SECONDS
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient, redis_backend

LOCAL = "tcp:0:interface=127.0.0.1"


class PresenceAcrossNodesTests(ClusterTestCase):
    """ivy on the first node asks about ian on the second."""

    @defer.inlineCallbacks
    def irc(self, node, nick: str, *commands: str):
        """An IRC client of ``node``, registered as ``nick`` (realname
        ``Real <nick>``, USER ``u<nick>``), then sent ``commands``."""
        client = yield self.irc_client(node, nick, user=f"u{nick}", real=f"Real {nick}")
        for command in commands:
            client.say(command)
        return client

    @defer.inlineCallbacks
    def asked(self, ivy: LineClient, question: str):
        """The answer to ``question``, asked once: ian's node shared each
        change before it answered him (his welcome, 306, the MODE echo), so
        it is there as soon as he heard that answer (no polling)."""
        before = len(ivy.lines)
        ivy.say(question)
        ivy.say("PING :asked")
        yield ivy.expect(lambda line: line.endswith("PONG chatroom :asked"))
        return ivy.lines[before:]

    @defer.inlineCallbacks
    def ivy_and_ian(self, *ian_commands: str):
        one, two = yield self.two_places("--irc", LOCAL)
        ivy = yield self.irc(one, "ivy")
        ian = yield self.irc(two, "ian", *ian_commands)
        return ivy, ian

    @defer.inlineCallbacks
    def test_a_plain_names_profile_is_read_through_any_node(self):
        """pat, a plain name at the line door of the second node (a door
        that keeps no presence), sets a display name; lee, at the first,
        asks ``/profile pat`` (as a client does for someone it meets
        later): the display name comes, so both nodes' clients name pat
        alike. Once pat has gone, it is gone with the session."""
        one, two = yield self.two_places()
        pat = yield self.client(two, "pat")
        pat.say("/profile set display-name Pat Smith")
        yield pat.expect_line("PROFILE pat display-name Pat Smith")
        lee = yield self.client(one, "lee")
        lee.say("/profile pat")
        yield lee.expect_line("PROFILE pat display-name Pat Smith")
        yield lee.expect_line("PROFILE_END pat 1")
        pat.say("/quit")
        yield pat.expect_line("BYE")
        while True:  # the name is let go once the connection has closed
            lee.say("/profile pat")
            end = yield lee.expect_line("PROFILE_END pat")
            if end == "PROFILE_END pat 0":
                break
            yield task.deferLater(reactor, 0.05, lambda: None)

    @defer.inlineCallbacks
    def test_whois_right_after_the_welcome_shows_the_realname(self):
        """WHOIS of ian as soon as his welcome ended: his USER name and
        realname (311), not his nick for both."""
        _ivy, _ian = yield self.ivy_and_ian()
        answer = yield self.asked(_ivy, "WHOIS ian")
        self.assertIn(":chatroom 311 ivy ian uian chatroom * :Real ian", answer)

    @defer.inlineCallbacks
    def test_whois_shows_user_realname_away_and_bot(self):
        """WHOIS of ian (on the other node, in no channel) says his USER
        name and realname (311), that he is a bot (335) and away (301)."""
        ivy, ian = yield self.ivy_and_ian("MODE ian +B", "AWAY :lunch")
        yield ian.expect(lambda line: " 306 " in line)
        answer = yield self.asked(ivy, "WHOIS ian")
        self.assertIn(":chatroom 311 ivy ian uian chatroom * :Real ian", answer)
        self.assertIn(":chatroom 335 ivy ian :is a bot on this server", answer)
        self.assertIn(":chatroom 301 ivy ian :lunch", answer)

    @defer.inlineCallbacks
    def test_who_and_whox_of_a_channel_show_flags_and_realname(self):
        """WHO #tea shows ian away, a bot and its operator (``GB@``) with his realname;
        WHOX the same fields."""
        ivy, ian = yield self.ivy_and_ian("JOIN #tea", "MODE ian +B", "AWAY :out")
        yield ian.expect(lambda line: " 306 " in line)
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: " 366 " in line)
        answer = yield self.asked(ivy, "WHO #tea")
        self.assertIn(
            ":chatroom 352 ivy #tea uian chatroom chatroom ian GB@ :0 Real ian", answer
        )
        answer = yield self.asked(ivy, "WHO #tea %tcnfur,7")
        self.assertIn(":chatroom 354 ivy 7 #tea uian ian GB@ :Real ian", answer)

    @defer.inlineCallbacks
    def test_whox_and_whois_show_an_account_named_otherwise(self):
        """ian, signed in to the account coolacct, is shown by it: WHOX's
        ``a`` and WHOIS's 330 (irctest who testWhoxAccount), not the
        account his nick would name (none)."""
        ivy, ian = yield self.ivy_and_ian(
            "NICK coolacct", "PRIVMSG NickServ :REGISTER sesame-sesame", "NICK ian"
        )
        yield ian.expect(
            lambda line: line.startswith(":coolacct!") and " NICK " in line
        )
        answer = yield self.asked(ivy, "WHO ian %na")
        self.assertIn(":chatroom 354 ivy ian :coolacct", answer)
        answer = yield self.asked(ivy, "WHOIS ian")
        self.assertIn(":chatroom 330 ivy ian coolacct :is logged in as", answer)

    @defer.inlineCallbacks
    def test_who_of_a_mask_leaves_out_an_invisible_stranger(self):
        """WHO of a mask leaves out ian once he is +i (he shares no channel
        with ivy); WHO of his nick still lists him, with his realname."""
        ivy, ian = yield self.ivy_and_ian("MODE ian +i")
        yield ian.expect(lambda line: " MODE ian " in line and "+i" in line)
        answer = yield self.asked(ivy, "WHO ian")
        self.assertIn(
            ":chatroom 352 ivy * uian chatroom chatroom ian H :0 Real ian", answer
        )
        answer = yield self.asked(ivy, "WHO i*")
        self.assertFalse([line for line in answer if " ian H" in line], answer)

    @defer.inlineCallbacks
    def test_a_private_message_to_an_away_user_answers_301(self):
        """A PRIVMSG to ian, away on the other node, answers 301; USERHOST
        marks him ``-``."""
        ivy, ian = yield self.ivy_and_ian("AWAY :gone fishing")
        yield ian.expect(lambda line: " 306 " in line)
        answer = yield self.asked(ivy, "PRIVMSG ian :hi")
        self.assertIn(":chatroom 301 ivy ian :gone fishing", answer)
        answer = yield self.asked(ivy, "USERHOST ian")
        self.assertIn(":chatroom 302 ivy :ian=-uian@chatroom", answer)

    @defer.inlineCallbacks
    def test_whowas_shows_a_nick_gone_from_the_other_node(self):
        """WHOWAS of ian once he quit (on the other node), asked as soon as
        his ERROR came: 314 with his USER name and realname; then of iain,
        the nick he had before (irctest whowas)."""
        ivy, ian = yield self.ivy_and_ian("NICK iain", "NICK ian", "QUIT :bye")
        yield ian.expect(lambda line: line.startswith("ERROR "))
        answer = yield self.asked(ivy, "WHOWAS ian")
        self.assertIn(":chatroom 314 ivy ian uian chatroom * :Real ian", answer)
        self.assertIn(":chatroom 369 ivy ian :End of WHOWAS", answer)
        answer = yield self.asked(ivy, "WHOWAS iain")
        self.assertIn(":chatroom 314 ivy iain uian chatroom * :Real ian", answer)

    @defer.inlineCallbacks
    def test_monitor_sees_a_user_in_no_channel_online(self):
        """MONITOR + ian (online on the other node, in no channel): 730."""
        ivy, _ian = yield self.ivy_and_ian()
        answer = yield self.asked(ivy, "MONITOR + ian")
        self.assertIn(":chatroom 730 ivy :ian!ian@chatroom", answer)


class PresenceOnOneServerTests(PresenceAcrossNodesTests):
    """The same, both users on one server."""

    spread = False


class PresenceSharedBeforeAnswerRedisTests(ClusterTestCase):
    """ian's node answers his AWAY only once Redis has kept it."""

    @defer.inlineCallbacks
    def test_away_is_answered_after_redis_kept_it(self):
        """With Redis frozen (SIGSTOP) when ian says AWAY, he hears no 306
        while it stays frozen; once it runs again, 306, and ivy's WHOIS
        from the other node, asked at once, shows him away. (The pause
        only proves an absence: a slow machine could hide a regression,
        never fail a correct door.)"""
        one, two = yield self.start_nodes(2, "--irc", LOCAL, "--redis-timeout", "10")
        ivy = yield self.irc_client(one, "ivy")
        ian = yield self.irc_client(two, "ian", user="uian", real="Real ian")
        os.kill(self.redis.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.redis.pid, signal.SIGCONT)
        ian.say("AWAY :lunch")
        yield task.deferLater(reactor, 0.3, lambda: None)
        self.assertFalse([line for line in ian.lines if " 306 " in line], ian.lines)
        os.kill(self.redis.pid, signal.SIGCONT)
        yield ian.expect(lambda line: " 306 " in line)
        ivy.say("WHOIS ian")
        yield ivy.expect(lambda line: line == ":chatroom 301 ivy ian :lunch")


class WhowasInRedisTests(ClusterTestCase):
    """What a cluster keeps of the nicks gone is bounded."""

    @defer.inlineCallbacks
    def test_a_name_keeps_its_last_holders_for_a_day(self):
        """After twelve departures of one name, WHOWAS shows the newest ten,
        newest first, and Redis drops the list a day after the last."""
        node = yield self.node("--irc", LOCAL)
        ivy = yield self.irc_client(node, "ivy")
        for number in range(12):
            ian = yield self.irc_client(node, "ian", real=f"ian {number}")
            ian.say("QUIT")
            yield ian.expect(lambda line: line.startswith("ERROR "))
        ivy.say("WHOWAS ian")
        yield ivy.expect(lambda line: " 369 " in line)
        shown = [line.rpartition(":")[2] for line in ivy.lines if " 314 " in line]
        self.assertEqual(shown, [f"ian {number}" for number in range(11, 1, -1)])
        calls = redis_backend(node.server).calls
        left = yield defer.Deferred.fromCoroutine(
            calls.command("TTL", "chatroom:whowas:ian")
        )
        self.assertTrue(WHOWAS_SECONDS - 60 < left <= WHOWAS_SECONDS, left)
