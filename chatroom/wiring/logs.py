"""``--log-format json``: the log as one JSON object a line, for log shippers.

Twisted's own ``jsonFileLogObserver`` writes RFC 7464 JSON text sequences
(each record after a ``\\x1e`` separator) in Twisted's own serialisation of
an event; shippers (Vector, Fluent Bit, Promtail, journald's readers)
expect NDJSON: one plain object per line. :func:`json_line` writes that:
the time, the level, the event as text, its fields, and a failure's
traceback when there is one.

Nothing secret is in a log line by design (the server logs names,
addresses and counts, never a command's arguments); a field whose name
says it holds a secret (``password``, ``token``, ``secret``, ``key``) is
written as ``"[redacted]"`` all the same, should one ever be added.

twistd makes its log observer before it builds the service, from its
``--logger`` option; ``--log-format json`` sets that option to
:func:`twistd_logger`, which writes where twistd's ``--logfile`` says, as
its text observer would (``-``, or nothing without a daemon: stdout).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from twisted.logger import FileLogObserver, LogEvent, formatEvent
from twisted.python import usage
from twisted.python.logfile import LogFile

#: ``--log-format``'s choices.
FORMATS = ("text", "json")

#: Field names whose values are never written.
SECRET_FIELD = re.compile(r"pass|token|secret|key", re.IGNORECASE)

#: Twisted's own keys of a legacy (``twisted.python.log``) event.
_LEGACY_KEYS = frozenset({"message", "isError", "system", "time", "format", "why"})


def log_format(value: str) -> str:
    """``--log-format``'s coercer: one of :data:`FORMATS`."""
    if value not in FORMATS:
        raise usage.UsageError(f"--log-format: {value!r} is not text or json")
    return value


log_format.coerceDoc = "(text or json)"  # type: ignore[attr-defined]

#: ``--log-format``, in :class:`chatroom.wiring.tap.Options`' table.
LOG_FORMAT_OPTION: list[Any] = [
    "log-format",
    None,
    "text",
    "How the log is written: text (twistd's lines) or json (one JSON object "
    "a line: time, level, event, fields; for log shippers).",
    log_format,
]


def json_line(event: LogEvent) -> str:
    """One event as one line of JSON (NDJSON)."""
    level = event.get("log_level")
    record: dict[str, Any] = {
        "time": datetime.fromtimestamp(event.get("log_time", 0), UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": level.name if level is not None else "info",
        "namespace": event.get("log_namespace", ""),
        "event": formatEvent(event),
        "fields": {
            name: "[redacted]" if SECRET_FIELD.search(name) else _plain(value)
            for name, value in event.items()
            if not name.startswith("log_") and name not in _LEGACY_KEYS
        },
    }
    failure = event.get("log_failure")
    if failure is not None:
        record["failure"] = failure.getTraceback()
    return json.dumps(record, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    """A field as JSON holds it: numbers, strings, booleans and None as
    they are, anything else as its ``str`` (an address, a RedisAddress,
    whose ``str`` leaves its password out)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class JsonLogs:
    """A :class:`FileLogObserver` of :func:`json_line` writing where twistd's
    ``--logfile`` says (as twistd's text observer would)."""

    def __init__(self, logfile: str | None, nodaemon: bool) -> None:
        self.logfile = logfile
        self.nodaemon = nodaemon

    def __call__(self) -> FileLogObserver:
        out: IO[Any]
        if self.logfile == "-" or (self.nodaemon and not self.logfile):
            out = sys.stdout
        else:
            out = LogFile.fromFullPath(self.logfile or "twistd.log")
        return FileLogObserver(out, json_line)


#: The observer ``--log-format json`` chose, for :func:`twistd_logger`.
_chosen: list[JsonLogs] = []


def twistd_logger() -> FileLogObserver:
    """twistd's ``--logger`` when ``--log-format json``: twistd takes a
    logger by its dotted name (it imports it after our options are parsed)
    and calls it without arguments, so what it is to write to was kept
    aside by :func:`use_log_format`."""
    return _chosen[-1]()


def use_log_format(chosen: str, twistd: Any) -> None:
    """Make twistd log as ``--log-format`` says (``twistd``: its options,
    None when not run by twistd)."""
    if chosen == "text" or twistd is None:
        return
    if twistd.get("logger") or twistd.get("syslog"):
        raise usage.UsageError("--log-format: json cannot go with --logger or --syslog")
    _chosen.append(JsonLogs(twistd.get("logfile"), bool(twistd.get("nodaemon"))))
    twistd["logger"] = f"{__name__}.{twistd_logger.__name__}"
