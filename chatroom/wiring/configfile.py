"""``--config FILE``: the command line's options from a TOML file.

Every key is an option's long name (``port = "tcp:8080"``, ``max-line =
4096``, ``require-account = true``); tables (``[doors]``, ``[limits]``)
only group keys, so a key means the same in any table or at the top. The
file's values become command-line arguments placed *before* the real ones,
so the command line overrides the file, and each is checked by the
option's own coercer exactly as on the command line.

A mistake is one :class:`ConfigFileError` naming the file, the line and the
key. ``tomllib`` keeps no positions, so a key's line is found by parsing
ever longer beginnings of the file with ``tomllib`` itself until the key
appears (:func:`line_of`): the TOML grammar stays ``tomllib``'s, and a key
inside a multi-line string is never mistaken for one.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable, Collection, Iterator
from functools import partial
from typing import Any

from twisted.python import usage
from twisted.python.reflect import accumulateClassList

#: Options whose value is a comma-separated list: in the file, a string
#: or an array of strings.
LISTS = frozenset(
    {"rooms", "admins", "http-origins", "outbound-allow", "preview-allow", "dnsbl"}
)
#: Options that take a port number as well as an endpoint description;
#: in the file, one or an array of them (each listens: a door's plain
#: and TLS ports together).
ENDPOINTS = frozenset({"port", "irc", "http"})
#: Options that take an integer but have no default (one is chosen later).
INTEGERS = frozenset({"redis-replicas"})
#: Options given once for each value (``--turn-uri`` again for each TURN
#: server); in the file, one or an array of them.
REPEATED = frozenset({"turn-uri"})


class ConfigFileError(usage.UsageError):
    """A mistake in a ``--config`` file: ``FILE:LINE: KEY: what is wrong``."""


def option_table(options: type[usage.Options]) -> dict[str, Any]:
    """Every long option of ``options`` by name: its default, or ``bool``
    for a flag (``--config`` and ``--help`` aside)."""
    flags: list[list[Any]] = []
    parameters: list[list[Any]] = []
    accumulateClassList(options, "optFlags", flags)
    accumulateClassList(options, "optParameters", parameters)
    table: dict[str, Any] = {flag[0]: bool for flag in flags}
    table.update({parameter[0]: parameter[2] for parameter in parameters})
    table.pop("config", None)
    return table


class ConfigFileOptions(usage.Options):
    """``usage.Options`` that read ``--config FILE`` before the command line."""

    optParameters: list[list[Any]] = [
        [
            "config",
            None,
            None,
            "A TOML file of options: each key an option's long name (tables "
            "only group them); the command line overrides it. See "
            "chatroom.example.toml.",
        ],
    ]

    def parseOptions(self, options: list[str] | None = None) -> None:
        """Parse the file's options, then the command line's after them.

        Raises:
            ConfigFileError: the file is unreadable, not TOML, or has an
                unknown key or a bad value (each value is checked alone
                first, so a mistake is pinned to its line).
            usage.UsageError: as for the command line alone.
        """
        arguments = list(sys.argv[1:] if options is None else options)
        #: The arguments as given, to parse again on a reload.
        self.command_line = tuple(arguments)
        path = _config_path(arguments)
        if path is None:
            super().parseOptions(arguments)
            return
        settings = ConfigFile.read(path, option_table(type(self)))
        for key, argument in settings.arguments.items():
            settings.check(key, partial(_check_alone, type(self), argument))
        shorts = short_names(type(self))
        given = {
            key
            for key in settings.arguments
            if _on_command_line(key, shorts.get(key), arguments)
        }
        try:  # a key the command line gives is the command line's alone
            super().parseOptions([*settings.all_arguments(given), *arguments])
        except usage.UsageError as problem:
            # A rule across options (postOptions) names its option first.
            named = re.match(r"--([a-z-]+):\s*(.*)", str(problem))
            if named and named[1] in settings.arguments and named[1] not in given:
                raise settings.error(named[1], named[2]) from None
            raise


class ConfigFile:
    """A parsed ``--config`` file: each key's command-line argument."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        #: key → its ``--key=value`` arguments (none for a flag set false,
        #: several for an array of endpoints).
        self.arguments: dict[str, tuple[str, ...]] = {}

    @classmethod
    def read(cls, path: str, table: dict[str, Any]) -> ConfigFile:
        """Read and type-check ``path`` against ``table`` (see
        :func:`option_table`)."""
        try:
            with open(path, "rb") as file:
                text = file.read().decode("utf-8")
        except OSError as problem:
            raise ConfigFileError(f"{path}: {problem.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigFileError(f"{path}: not UTF-8 text") from None
        found = cls(path, text)
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as problem:
            where = re.search(r"\(at line (\d+), column \d+\)", str(problem))
            line = where[1] if where else len(text.splitlines()) or 1  # at the end
            what = str(problem).split(" (at ")[0]
            raise ConfigFileError(f"{path}:{line}: not TOML: {what}") from None
        for keys, value in _flattened(document, ()):
            found.add(keys, value, table)
        return found

    def add(self, keys: tuple[str, ...], value: Any, table: dict[str, Any]) -> None:
        """One key's value, type-checked and turned into its argument."""
        key = keys[-1]
        if key not in table:
            raise self.error(key, "unknown key (not a twistd chatroom option)", keys)
        if key in self.arguments:
            raise self.error(key, "given twice (tables only group keys)", keys)
        self.arguments[key] = _argument(key, value, table[key], self, keys)

    def all_arguments(self, overridden: Collection[str] = ()) -> list[str]:
        """The file's options as command-line arguments, but those of the
        ``overridden`` keys (the command line gives them: an endpoint given
        there replaces the file's, rather than listening beside them)."""
        return [
            argument
            for key, arguments in self.arguments.items()
            if key not in overridden
            for argument in arguments
        ]

    def check(self, key: str, parse: Callable[[], None]) -> None:
        """Run ``parse``; its usage error becomes this file's, at ``key``."""
        try:
            parse()
        except usage.UsageError as problem:
            text = re.sub(rf"^--{re.escape(key)}:\s*", "", str(problem))
            raise self.error(key, text) from None

    def error(
        self, key: str, problem: str, keys: tuple[str, ...] | None = None
    ) -> ConfigFileError:
        """``FILE:LINE: KEY: problem``."""
        line = line_of(self.text, keys or self._keys_of(key))
        return ConfigFileError(f"{self.path}:{line}: {key}: {problem}")

    def _keys_of(self, key: str) -> tuple[str, ...]:
        document = tomllib.loads(self.text)
        return next(keys for keys, _ in _flattened(document, ()) if keys[-1] == key)


def _argument(
    key: str, value: Any, default: Any, file: ConfigFile, keys: tuple[str, ...]
) -> tuple[str, ...]:
    """``--key=value`` as the command line would give it (none for a flag
    left off, one per endpoint of an array), or the file's error for a
    value of the wrong type."""
    if key in ENDPOINTS and isinstance(value, list):
        if not value or not all(_is_endpoint(item) for item in value):
            raise file.error(key, f"must be {_kind(key, None)}", keys)
        return tuple(f"--{key}={item}" for item in value)
    if key in REPEATED and isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise file.error(key, "must be a string or an array of strings", keys)
        return tuple(f"--{key}={item}" for item in value)
    return _one_argument(key, value, default, file, keys)


def _is_endpoint(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def _one_argument(
    key: str, value: Any, default: Any, file: ConfigFile, keys: tuple[str, ...]
) -> tuple[str, ...]:
    """:func:`_argument` of one value."""
    if key in INTEGERS:
        default = 0
    if default is bool:
        if not isinstance(value, bool):
            raise file.error(key, "must be true or false", keys)
        return (f"--{key}",) if value else ()
    if key in LISTS and isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise file.error(key, "must be a string or an array of strings", keys)
        return (f"--{key}={','.join(value)}",)
    if isinstance(value, bool):  # a bool is an int to Python: refused first
        raise file.error(key, f"must be {_kind(key, default)}, not a boolean", keys)
    if isinstance(default, int | float) and not isinstance(default, bool):
        number = int if isinstance(default, int) else int | float
        if not isinstance(value, number):
            raise file.error(key, f"must be {_kind(key, default)}", keys)
        return (f"--{key}={value}",)
    if isinstance(value, str) or (key in ENDPOINTS and isinstance(value, int)):
        return (f"--{key}={value}",)
    raise file.error(key, f"must be {_kind(key, default)}", keys)


def _kind(key: str, default: Any) -> str:
    """What a key's value must be, in words."""
    if isinstance(default, bool) or default is bool:
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if key in ENDPOINTS:
        return "a port number, an endpoint string or an array of them"
    if key in LISTS or key in REPEATED:
        return "a string or an array of strings"
    return "a string"


def _flattened(table: dict[str, Any], keys: tuple[str, ...]) -> Iterator[Any]:
    """Every (keys, value) of a document, its tables opened."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flattened(value, (*keys, key))
        else:
            yield (*keys, key), value


def line_of(text: str, keys: tuple[str, ...]) -> int:
    """The line of ``text`` (a valid TOML document) where ``keys`` is set.

    The shortest beginning of the file that ``tomllib`` parses and that has
    the key ends with its value: its last line. For a value of several
    lines the key is on the last line above that names it.
    """
    lines = text.splitlines(keepends=True)
    end = len(lines)
    for count in range(1, len(lines) + 1):
        try:
            document = tomllib.loads("".join(lines[:count]))
        except tomllib.TOMLDecodeError:
            continue
        if _has(document, keys):
            end = count
            break
    naming = re.compile(rf"""^\s*(?:[^=]*\.)?\s*["']?{re.escape(keys[-1])}["']?\s*=""")
    for number in range(end, 0, -1):
        if naming.match(lines[number - 1]):
            return number
    return end


def _has(document: dict[str, Any], keys: tuple[str, ...]) -> bool:
    found: Any = document
    for key in keys:
        if not isinstance(found, dict) or key not in found:
            return False
        found = found[key]
    return True


def _config_path(arguments: list[str]) -> str | None:
    """``--config``'s value on the command line (the last one), if any."""
    path = None
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == "--config" and index + 1 < len(arguments):
            path = arguments[index + 1]
        elif argument.startswith("--config="):
            path = argument.partition("=")[2]
    return path


def short_names(options: type[usage.Options]) -> dict[str, str]:
    """Each long option's one-letter name, for those that have one."""
    parameters: list[list[Any]] = []
    accumulateClassList(options, "optParameters", parameters)
    return {parameter[0]: parameter[1] for parameter in parameters if parameter[1]}


def _on_command_line(key: str, short: str | None, arguments: list[str]) -> bool:
    """Whether ``arguments`` give ``--key`` (or ``-s``, its short name)."""
    return any(
        a == f"--{key}"
        or a.startswith(f"--{key}=")
        or (short is not None and a.startswith(f"-{short}"))
        for a in arguments
    )


def _check_alone(options: type[usage.Options], arguments: tuple[str, ...]) -> None:
    """Parse one key's arguments as the command line would, without the
    checks across options (``postOptions``), which wait for all of them."""
    if not arguments:
        return
    alone = type("OneFileValue", (options,), {"postOptions": lambda self: None})()
    usage.Options.parseOptions(alone, list(arguments))
