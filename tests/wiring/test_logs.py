"""The log: twistd's text lines (stamped once a second), or
``--log-format json``, one JSON object a line (NDJSON), nothing secret.

Events go through Twisted's own ``Logger`` into the observer twistd would
use (:class:`FileLogs`, writing to a real file); the real plugin's JSON log,
with passwords sent during sessions, is in
tests/integration/test_config_file.py.
"""

from __future__ import annotations

import io
import json
import signal
from pathlib import Path
from typing import Any

from twisted.logger import (
    Logger,
    LogLevel,
    LogPublisher,
    formatEventAsClassicLogText,
    textFileLogObserver,
)
from twisted.python import usage
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.redisclient.addresses import RedisAddress
from chatroom.wiring.logs import (
    FileLogs,
    json_line,
    text_line,
    twistd_logger,
    use_log_format,
)
from chatroom.wiring.tap import Options


class JsonLineTests(unittest.TestCase):
    """What one event becomes."""

    def logged(self, emit: Any) -> list[dict[str, Any]]:
        """The records ``emit(logger)`` writes, through a real log file."""
        path = Path(self.mktemp())
        self.addCleanup(signal.signal, signal.SIGUSR1, signal.getsignal(signal.SIGUSR1))
        observer = FileLogs(str(path), nodaemon=False)()
        publisher = LogPublisher(observer)
        emit(Logger(namespace="chatroom.test", observer=publisher))
        text = path.read_text(encoding="utf-8")
        self.assertNotIn("\x1e", text)  # no RFC 7464 record separator
        self.assertTrue(text.endswith("\n"))
        return [json.loads(line) for line in text.splitlines()]

    def test_one_object_a_line(self) -> None:
        """Time, level, namespace, the event's text and its fields."""
        (record,) = self.logged(
            lambda log: log.warn("{host} is now {user}", host="::1", user="zoë")
        )
        self.assertRegex(record["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(record["level"], "warn")
        self.assertEqual(record["namespace"], "chatroom.test")
        self.assertEqual(record["event"], "::1 is now zoë")
        self.assertEqual(record["fields"], {"host": "::1", "user": "zoë"})

    def test_values_that_are_not_json(self) -> None:
        """Written as their text: a Redis address without its password."""
        address = RedisAddress.parse("redis://:hunter2hunter2@db:6379/1")
        (record,) = self.logged(lambda log: log.info("to {address}", address=address))
        self.assertEqual(record["fields"]["address"], "redis://db:6379/1")
        self.assertNotIn("hunter2", json.dumps(record))

    def test_secret_fields_redacted(self) -> None:
        """A field named for a secret is never written, whatever the event."""
        (record,) = self.logged(
            lambda log: log.info(
                "signed in", password="hunter2hunter2", api_token="t0k3n", name="bob"
            )
        )
        self.assertEqual(
            record["fields"],
            {"password": "[redacted]", "api_token": "[redacted]", "name": "bob"},
        )
        self.assertNotIn("hunter2", json.dumps(record))

    def test_secrets_in_urls_hidden(self) -> None:
        """A URL carrying a secret (an export link said in a room, whose
        preview was refused) has it hidden in the event's text, in its
        field, and in a failure's traceback."""

        def emit(log: Logger) -> None:
            url = "http://chat.example/export/s3cr3tS3CR3T"
            log.info("no preview of {url}: refused", url=url)
            try:
                raise ValueError(f"cannot fetch {url}?code=c0de")
            except ValueError:
                log.failure("fetching {what}", what="a page")

        first, second = self.logged(emit)
        self.assertEqual(
            first["event"], "no preview of http://chat.example/export/-: refused"
        )
        self.assertEqual(first["fields"]["url"], "http://chat.example/export/-")
        self.assertIn("http://chat.example/export/-?code=-", second["failure"])
        self.assertNotIn("s3cr3t", json.dumps([first, second]).lower())
        self.assertNotIn("c0de", json.dumps([first, second]))

    def test_failure_has_its_traceback(self) -> None:
        """A logged failure carries its traceback as one field of the line."""

        def fail(log: Logger) -> None:
            try:
                int("nine")
            except ValueError:
                log.failure("command failed: {user}", user="bob")

        (record,) = self.logged(fail)
        self.assertEqual(record["level"], "critical")
        self.assertIn("ValueError: invalid literal", record["failure"])

    def test_line_ends_once(self) -> None:
        """An event whose text spans lines is still one line of JSON."""
        line = json_line(
            {
                "log_format": "two\nlines",
                "log_level": LogLevel.info,
                "log_time": 0.0,
                "log_namespace": "x",
            }
        )
        self.assertEqual(line.count("\n"), 1)
        self.assertEqual(json.loads(line)["time"], "1970-01-01T00:00:00.000Z")


class LogFormatOptionTests(unittest.TestCase):
    """``--log-format`` sets twistd's logger, or says why it cannot."""

    def test_json_sets_twistds_logger(self) -> None:
        """twistd is told to log through :func:`twistd_logger`, to its --logfile."""
        self.addCleanup(signal.signal, signal.SIGUSR1, signal.getsignal(signal.SIGUSR1))
        twistd: dict[str, Any] = {"logger": None, "logfile": "chat.log"}
        use_log_format("json", twistd)
        self.assertEqual(twistd["logger"], "chatroom.wiring.logs.twistd_logger")
        path = Path(self.mktemp())
        twistd = {"logger": None, "logfile": str(path)}
        use_log_format("json", twistd)
        observer = twistd_logger()
        Logger(observer=observer).info("hello {who}", who="you")
        self.assertEqual(json.loads(path.read_text())["event"], "hello you")

    def test_text_sets_twistds_logger_to_its_own_lines(self) -> None:
        """The default writes, to twistd's --logfile, the very lines
        twistd's own text observer would."""
        path = Path(self.mktemp())
        twistd: dict[str, Any] = {"logger": None, "logfile": str(path)}
        self.addCleanup(signal.signal, signal.SIGUSR1, signal.getsignal(signal.SIGUSR1))
        use_log_format("text", twistd)
        self.assertEqual(twistd["logger"], "chatroom.wiring.logs.twistd_logger")
        observer = twistd_logger()
        theirs = io.StringIO()
        publisher = LogPublisher(observer, textFileLogObserver(theirs))
        log = Logger(namespace="chatroom.test", observer=publisher)
        log.info("{host} is now {user}", host="::1", user="zoë")
        log.warn("a warning", log_system="node-1")
        self.assertEqual(path.read_text(encoding="utf-8"), theirs.getvalue())
        self.assertEqual(len(theirs.getvalue().splitlines()), 2)

    def test_text_with_twistds_own_logger_or_syslog(self) -> None:
        """Text leaves twistd's --logger and --syslog to it."""
        for given in ({"logger": "my.observer"}, {"logger": None, "syslog": True}):
            twistd: dict[str, Any] = dict(given)
            use_log_format("text", twistd)
            self.assertEqual(twistd["logger"], given["logger"])

    def test_a_daemon_cannot_log_to_stdout(self) -> None:
        """As twistd itself says, but while the options are read."""
        with self.assertRaises(usage.UsageError):
            use_log_format("text", {"logger": None, "logfile": "-", "nodaemon": False})

    def test_not_with_syslog(self) -> None:
        """json and twistd's --syslog cannot both be had."""
        with self.assertRaises(usage.UsageError):
            use_log_format("json", {"logger": None, "syslog": True})

    def test_unknown_format(self) -> None:
        """Only text and json."""
        with self.assertRaises(usage.UsageError) as caught:
            Options().parseOptions(["--log-format", "xml"])
        self.assertEqual(
            str(caught.exception), "--log-format: 'xml' is not text or json"
        )


class Shown:
    """A field with a representation and a format of its own."""

    def __repr__(self) -> str:
        return "<shown>"

    def __format__(self, spec: str) -> str:
        return f"shown:{spec}"


class Unformattable:
    def __format__(self, spec: str) -> str:
        raise ValueError("no")


def failing() -> Failure:
    try:
        raise ZeroDivisionError("a test's own")
    except ZeroDivisionError:
        return Failure()
    raise AssertionError("unreachable")


class TextLineTests(unittest.TestCase):
    """Each second's stamp is made once, and is the one Twisted makes."""

    def test_same_line_as_twisteds_every_moment(self) -> None:
        """Within a second, across seconds, going back in time, and with no
        time at all: the line twistd's formatter writes."""
        for when in (1e9, 1e9 + 0.25, 1e9 + 0.999, 1e9 + 1.0, 1e9 + 3601.5, 1e9, None):
            event = {
                "log_format": "{name} joined {room}",
                "name": "bob",
                "room": "tea",
                "log_time": when,
                "log_level": LogLevel.info,
                "log_namespace": "chatroom.test",
            }
            self.assertEqual(text_line(event), formatEventAsClassicLogText(event))

    def test_same_line_as_twisteds_for_every_kind_of_event(self) -> None:
        """Fields with conversions, specs, attributes and items; a missing
        field, a positional one, a call; a failure; a system of its own (or
        not a string); no level, no namespace; lines within the text; an
        empty or missing or bytes format: each as Twisted writes it."""
        base = {"log_time": 1e9, "log_level": LogLevel.warn, "log_namespace": "ns"}
        shapes: list[dict[str, Any]] = [
            {
                "log_format": "{a!r} {b:>5} {c.real} {d[0]}",
                "a": "x",
                "b": 7,
                "c": 2,
                "d": [9],
            },
            {"log_format": "{shown} {shown!r} {shown:<3}", "shown": Shown()},
            {"log_format": "{missing}"},
            {"log_format": "{0} and {}"},
            {"log_format": "{f()} called", "f": lambda: "it was"},
            {"log_format": "bad {x}", "x": Unformattable()},
            {"log_format": "went wrong", "log_failure": failing()},
            {"log_format": "mine", "log_system": "node-1"},
            {"log_format": "not text", "log_system": 42},
            {"log_format": "no level", "log_level": None},
            {"log_format": "one\ntwo\nthree"},
            {"log_format": ""},
            {"log_format": None},
            {"log_format": b"bytes {b}", "b": 1},
            {"log_format": "{{braces}} {n}", "n": "ok"},
        ]
        for shape in shapes:
            event = {**base, **shape}
            self.assertEqual(
                text_line(event), formatEventAsClassicLogText(event), shape
            )
        no_namespace = {"log_format": "hi", "log_time": 1e9}
        self.assertEqual(
            text_line(no_namespace), formatEventAsClassicLogText(no_namespace)
        )

    def test_secrets_in_urls_hidden(self) -> None:
        """A URL carrying a secret is written with it hidden, whichever
        formatter writes the line: the server's own (a field, or a legacy
        event's text, as the access log's lines are) or Twisted's (a call
        in the format)."""
        base = {"log_time": 1e9, "log_level": LogLevel.info, "log_namespace": "ns"}
        secret = "http://chat.example/hooks/s3cr3t"
        for shape in (
            {"log_format": "no preview of {url}: refused", "url": secret},
            {"log_format": "{f()}", "f": lambda: secret},
            {
                "log_format": "{log_text}",  # twisted.python.log's, as bridged
                "log_text": f'"GET {secret}?token=t0k3n HTTP/1.1" 200',
            },
        ):
            event = {**base, **shape}
            line = text_line(event)
            assert line is not None
            self.assertIn("http://chat.example/hooks/-", line, shape)
            self.assertNotIn("s3cr3t", line)
            self.assertNotIn("t0k3n", line)
