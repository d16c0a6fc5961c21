"""The server's log: twistd's text lines, stamped without redoing the stamp
each line, or ``--log-format json``, one JSON object a line, for log
shippers.

Twisted's text observer formats each line's time afresh, a tenth of a
millisecond's work, and every client that connects, names itself and
joins is three lines (docs/operations.md): 18 of their 43 microseconds
each went to the stamp, about 6 % of a sign-in, and most of the rest to
Twisted's formatter in Python. :func:`text_line` writes the very same
line, with the stamp of each second made once and the server's own
events formatted by ``str.format_map``.

Twisted's own ``jsonFileLogObserver`` writes RFC 7464 JSON text sequences
(each record after a ``\\x1e`` separator) in Twisted's own serialisation of
an event; shippers (Vector, Fluent Bit, Promtail, journald's readers)
expect NDJSON: one plain object per line. :func:`json_line` writes that:
the time, the level, the event as text, its fields, and a failure's
traceback when there is one.

Nothing secret is in a log line by design (the server logs names,
addresses and counts, never a command's arguments); a field whose name
says it holds a secret (``password``, ``token``, ``secret``, ``key``) is
written as ``"[redacted]"`` all the same, should one ever be added. A URL
may carry a secret (a webhook's address, an export link: a link said in a
room, whose preview failed, is logged), so every line, text or JSON, its
text and its fields, passes through
:func:`~chatroom.core.urlsecrets.without_secrets`, which the access log's
lines have passed through already.

twistd makes its log observer before it builds the service, from its
``--logger`` option; unless twistd was given ``--logger`` or ``--syslog``,
:func:`use_log_format` sets that option to :func:`twistd_logger`, which
writes where twistd's ``--logfile`` says, as its text observer would
(``-``, or nothing without a daemon: stdout; else the file, which
``SIGUSR1`` rotates).
"""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from twisted.internet.interfaces import IReactorFromThreads
from twisted.logger import (
    FileLogObserver,
    LogEvent,
    formatEvent,
    formatEventAsClassicLogText,
    formatTime,
)
from twisted.python import usage
from twisted.python.logfile import LogFile

from chatroom.core.urlsecrets import without_secrets
from chatroom.wiring.coercer import documented

#: ``--log-format``'s choices.
FORMATS = ("text", "json")

#: Field names whose values are never written.
SECRET_FIELD = re.compile(r"pass|token|secret|key", re.IGNORECASE)

#: Twisted's own keys of a legacy (``twisted.python.log``) event.
_LEGACY_KEYS = frozenset({"message", "isError", "system", "time", "format", "why"})


@documented("(text or json)")
def log_format(value: str) -> str:
    """``--log-format``'s coercer: one of :data:`FORMATS`."""
    if value not in FORMATS:
        raise usage.UsageError(f"--log-format: {value!r} is not text or json")
    return value


#: ``--log-format``, in :class:`chatroom.wiring.tap.Options`' table.
LOG_FORMAT_OPTION: list[Any] = [
    "log-format",
    None,
    "text",
    "How the log is written: text (twistd's lines) or json (one JSON object "
    "a line: time, level, event, fields; for log shippers).",
    log_format,
]


class SecondStamp:
    """Twisted's time stamp (``formatTime``: to the second, in local time),
    made once per second rather than once per line."""

    __slots__ = ("_second", "_stamp")

    def __init__(self) -> None:
        self._second: int | None = None
        self._stamp = ""

    def __call__(self, when: float | None) -> str:
        if when is None:
            return formatTime(when)
        second = int(when)
        if second != self._second:
            self._stamp = formatTime(second)
            self._second = second
        return self._stamp


_stamp = SecondStamp()


def text_line(event: LogEvent) -> str | None:
    """One event as twistd's text observer writes it, to the character
    (``formatEventAsClassicLogText``).

    The server's own events (a ``str`` format of named fields, no failure)
    are formatted here with ``str.format_map``, which gives what Twisted's
    ``formatWithCall`` gives for them (it is ``string.Formatter`` over the
    same mapping, in Python) at a fraction of its cost; anything else (a
    call in the format, a failure's traceback, bytes, a field that will not
    format) goes to Twisted's formatter, which says so its own way.
    """
    text_format = event.get("log_format")
    system = event.get("log_system")
    if (
        type(text_format) is not str
        or "()" in text_format
        or "log_failure" in event
        or "log_flattened" in event
        or not (system is None or type(system) is str)
    ):
        return _twisteds_line(event)
    try:
        text = without_secrets(text_format.format_map(event))
    except Exception:
        return _twisteds_line(event)
    if not text:
        return None
    if system is None:
        level = event.get("log_level")
        level_name = "-" if level is None else level.name
        system = f"{event.get('log_namespace', '-')}#{level_name}"
    line = f"{_stamp(event.get('log_time'))} [{system}] {text}"
    return line.replace("\n", "\n\t") + "\n"


def _twisteds_line(event: LogEvent) -> str | None:
    """Twisted's own text line of ``event``, its URLs' secrets hidden."""
    line = formatEventAsClassicLogText(event, formatTime=_stamp)
    return None if line is None else without_secrets(line)


def json_line(event: LogEvent) -> str:
    """One event as one line of JSON (NDJSON)."""
    level = event.get("log_level")
    record: dict[str, Any] = {
        "time": datetime.fromtimestamp(event.get("log_time", 0), UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": level.name if level is not None else "info",
        "namespace": event.get("log_namespace", ""),
        "event": without_secrets(formatEvent(event)),
        "fields": {
            name: "[redacted]" if SECRET_FIELD.search(name) else _plain(value)
            for name, value in event.items()
            if not name.startswith("log_") and name not in _LEGACY_KEYS
        },
    }
    failure = event.get("log_failure")
    if failure is not None:
        record["failure"] = without_secrets(failure.getTraceback())
    return json.dumps(record, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    """A field as JSON holds it: numbers, booleans and None as they are,
    anything else as its ``str`` (an address, a RedisAddress, whose ``str``
    leaves its password out), without its URLs' secrets."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return without_secrets(str(value))


class FileLogs:
    """A :class:`FileLogObserver` writing lines made by ``line`` where
    twistd's ``--logfile`` says, as twistd's text observer would: stdout
    with ``-``, or without a daemon and a file; else the file, rotated on
    ``SIGUSR1`` (unless something else handles that signal)."""

    def __init__(
        self,
        logfile: str | None,
        nodaemon: bool,
        line: Callable[[LogEvent], str | None] = json_line,
    ) -> None:
        self.logfile = logfile
        self.nodaemon = nodaemon
        self.line = line

    def __call__(self) -> FileLogObserver:
        out: IO[Any]
        if self.logfile == "-" or (self.nodaemon and not self.logfile):
            out = sys.stdout
        else:
            logfile = LogFile.fromFullPath(self.logfile or "twistd.log")
            if not signal.getsignal(signal.SIGUSR1):  # None or SIG_DFL
                signal.signal(signal.SIGUSR1, _rotating(logfile))
            out = logfile
        return FileLogObserver(out, self.line)


def _rotating(logfile: LogFile) -> Callable[[int, Any], None]:
    """``SIGUSR1``'s handler: rotate ``logfile`` on the reactor's thread
    (a signal handler may interrupt a write to it)."""

    def rotate(signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        IReactorFromThreads(reactor).callFromThread(logfile.rotate)

    return rotate


#: Each ``--log-format``'s lines.
_LINES: dict[str, Callable[[LogEvent], str | None]] = {
    "text": text_line,
    "json": json_line,
}

#: The observer ``--log-format`` chose, for :func:`twistd_logger`.
_chosen: list[FileLogs] = []


def twistd_logger() -> FileLogObserver:
    """twistd's ``--logger`` (unless given one): twistd takes a
    logger by its dotted name (it imports it after our options are parsed)
    and calls it without arguments, so what it is to write to was kept
    aside by :func:`use_log_format`."""
    return _chosen[-1]()


def use_log_format(chosen: str, twistd: Any) -> None:
    """Make twistd log as ``--log-format`` says (``twistd``: its options,
    None when not run by twistd). Text with twistd's own ``--logger`` or
    ``--syslog`` is left to them; JSON does not go with either."""
    if twistd is None:
        return
    if twistd.get("logger") or twistd.get("syslog"):
        if chosen == "text":
            return
        raise usage.UsageError("--log-format: json cannot go with --logger or --syslog")
    nodaemon = bool(twistd.get("nodaemon"))
    if twistd.get("logfile") == "-" and not nodaemon:
        raise usage.UsageError("--logfile -: a daemon cannot log to stdout")
    _chosen.append(FileLogs(twistd.get("logfile"), nodaemon, _LINES[chosen]))
    twistd["logger"] = f"{__name__}.{twistd_logger.__name__}"
