"""A node's calls to Redis on its commands link, each one Deferred fired by
its reply (:class:`~chatroom.redisclient.link.CommandsProtocol`): what a user
and an operator see of them is what it was through txredisapi's own
commands. A script Redis does not answer is refused at its deadline, a
lost link refuses the calls it carried, an error reply is that call's
alone, a script Redis does not know is sent by its source, and a reply
that comes after its call gave up is never taken for the next call's.

Driven by ``task.Clock``, the links' protocols over a ``StringTransport``,
what Redis sends fed to them."""

from __future__ import annotations

import txredisapi
from twisted.internet import defer
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.life_scripts import ATTACH
from chatroom.backends.redis.scripts import SAY
from chatroom.core.model.errors import ChatError
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.link import RedisLink
from tests.backends.redis.test_deadlines import DeadlinesCase


class DirectRepliesTests(DeadlinesCase):
    """A node's calls on one Redis with a 5 s timeout."""

    def setUp(self) -> None:
        super().setUp()
        address = RedisAddress("127.0.0.1", 6379)
        self.commands = RedisLink(self.clock, address, "commands")
        subscriber = RedisLink(self.clock, address, "subscriber", subscriber=True)
        heartbeat = RedisLink(self.clock, address, "heartbeat")
        self.calls = RedisCalls(
            self.commands,
            subscriber,
            heartbeat,
            "chatroom:",
            5.0,
            self.clock,
            deadlines=self.deadlines,
        )
        self.calls.serving = True
        self.connection = self.connect(self.commands)
        self.connect(subscriber)
        self.connect(heartbeat)

    def script(self) -> defer.Deferred[object]:
        operands = {"room": "a", "event": "entry"}
        return defer.ensureDeferred(self.calls.eval(ATTACH, operands))

    def sent(self) -> bytes:
        transport = self.connection.transport
        written = transport.value()
        transport.clear()
        return bytes(written)

    def assertUnavailable(self, calling: defer.Deferred[object]) -> None:
        failure = self.failureResultOf(calling, ChatError)
        self.assertEqual(failure.value.code, "UNAVAILABLE")

    def test_a_script_redis_does_not_answer_is_refused_at_its_deadline(self) -> None:
        """Nothing heard from Redis: the user hears ``UNAVAILABLE`` once
        the node has listened the timeout (not before), and the link is
        dropped."""
        calling = self.script()
        self.listen(4.9)
        self.assertNoResult(calling)
        self.listen(0.6)
        self.assertUnavailable(calling)
        self.assertTrue(self.connection.transport.disconnecting)

    def test_a_reply_after_its_call_gave_up_is_not_the_next_calls(self) -> None:
        """A call cancelled by its caller (the user gone) keeps its place:
        the reply Redis still sends for it is dropped, and the next call
        gets its own."""
        first = self.script()
        first.cancel()
        self.failureResultOf(first, defer.CancelledError)
        second = self.script()
        self.connection.dataReceived(b"$5\r\nfirst\r\n$6\r\nsecond\r\n")
        self.assertEqual(self.successResultOf(second), b"second")
        self.assertFalse(self.connection.transport.disconnecting)

    def test_a_lost_link_refuses_the_calls_it_carried(self) -> None:
        """Every call in flight hears ``UNAVAILABLE`` when the commands
        link is lost, at once, not at its deadline."""
        calls = [self.script(), self.script()]
        self.connection.connectionLost(Failure(ConnectionDone()))
        for calling in calls:
            self.assertUnavailable(calling)

    def test_a_call_on_a_lost_link_is_refused_at_once(self) -> None:
        self.connection.connectionLost(Failure(ConnectionDone()))
        self.assertRaises(
            txredisapi.ConnectionError, self.connection.execute_command, "PING"
        )

    def test_an_error_reply_is_its_calls_alone(self) -> None:
        """Redis refuses one command: that call fails with Redis's words,
        the next one gets its reply, and the link is kept."""
        refused = defer.ensureDeferred(self.calls.command("INCR", "k"))
        answered = defer.ensureDeferred(self.calls.command("GET", "k"))
        self.connection.dataReceived(
            b"-ERR value is not an integer or out of range\r\n$2\r\nok\r\n"
        )
        failure = self.failureResultOf(refused, txredisapi.ResponseError)
        self.assertIn("not an integer", str(failure.value))
        self.assertEqual(self.successResultOf(answered), b"ok")
        self.assertFalse(self.connection.transport.disconnecting)

    def test_a_script_redis_does_not_know_is_sent_by_its_source(self) -> None:
        """``NOSCRIPT`` (a Redis restarted, or a replica promoted): the
        script is sent again by its source, and its reply is the call's."""
        calling = self.script()
        self.assertTrue(self.sent().startswith(b"*6\r\n$7\r\nEVALSHA\r\n"))
        self.connection.dataReceived(b"-NOSCRIPT No matching script.\r\n")
        self.assertNoResult(calling)
        again = self.sent()
        self.assertTrue(again.startswith(b"*6\r\n$4\r\nEVAL\r\n"))
        self.assertIn(ATTACH.source, again)
        self.connection.dataReceived(b"$2\r\nOK\r\n")
        self.assertEqual(self.successResultOf(calling), b"OK")

    def say(self) -> defer.Deferred[object]:
        operands = {"change": None, "user": "u", "token": "t", "retention": 1}
        return defer.ensureDeferred(self.calls.eval(SAY, operands))

    def test_a_message_goes_by_its_function_loaded_where_redis_lacks_it(
        self,
    ) -> None:
        """A message's script is a Redis function (``FCALL``); a Redis
        without it (new, or restarted without its data) is given its
        library (``FUNCTION LOAD``), and the function is called again."""
        assert SAY.function is not None and SAY.library is not None
        calling = self.say()
        first = self.sent()
        self.assertTrue(first.startswith(b"*6\r\n$5\r\nFCALL\r\n"))
        self.assertIn(SAY.function.encode(), first)
        self.connection.dataReceived(b"-ERR Function not found\r\n")
        load = self.sent()
        self.assertTrue(load.startswith(b"*4\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"))
        self.assertIn(SAY.library, load)
        self.connection.dataReceived(
            f"${len(SAY.function)}\r\n{SAY.function}\r\n".encode()
        )
        self.assertEqual(self.sent(), first)
        self.connection.dataReceived(b"$2\r\nOK\r\n")
        self.assertEqual(self.successResultOf(calling), b"OK")

    def test_a_redis_without_functions_is_sent_scripts(self) -> None:
        """A Redis older than 7.0 knows neither ``FCALL`` nor ``FUNCTION``,
        and an ACL user for the chat may have neither: the message goes by
        its source (``EVAL``), and the node's scripts by ``EVALSHA`` from
        then on."""
        for fcall, load in (
            (b"-ERR unknown command 'FCALL'", b"-ERR unknown command 'FUNCTION'"),
            (b"-NOPERM no 'fcall'", b"-NOPERM no 'function|load'"),
        ):
            self.calls.functions = True
            calling = self.say()
            self.assertIn(b"FCALL", self.sent())
            self.connection.dataReceived(fcall + b"\r\n")
            self.assertIn(b"FUNCTION", self.sent())
            self.connection.dataReceived(load + b"\r\n")
            again = self.sent()
            self.assertTrue(again.startswith(b"*6\r\n$4\r\nEVAL\r\n"))
            self.assertIn(SAY.source, again)
            self.connection.dataReceived(b"$2\r\nOK\r\n")
            self.assertEqual(self.successResultOf(calling), b"OK")
            self.say()
            self.assertTrue(self.sent().startswith(b"*6\r\n$7\r\nEVALSHA\r\n"))
            self.connection.dataReceived(b"$2\r\nOK\r\n")

    def test_a_script_resent_by_its_source_keeps_its_deadline(self) -> None:
        """The ``EVAL`` after ``NOSCRIPT`` is watched by the script's own
        deadline (Redis's ``NOSCRIPT`` was Redis heard from, so one more
        timeout from the first deadline): unanswered, refused once Redis
        has been silent a whole timeout, and the link dropped."""
        calling = self.script()
        self.listen(3.0)
        self.connection.dataReceived(b"-NOSCRIPT No matching script.\r\n")
        self.listen(6.9)
        self.assertNoResult(calling)
        self.listen(0.6)
        self.assertUnavailable(calling)
        self.assertTrue(self.connection.transport.disconnecting)
