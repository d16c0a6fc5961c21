"""The settings file: ``$XDG_CONFIG_HOME/chatroom/client.toml``.

Everything in it is optional, and the command line wins over it, so a user
can keep the server they use every day and their colours and keys there
and still try another server by typing it. An example::

    [server]
    host = "chat.example.org"
    port = 8443
    tls = true
    username = "alice"
    stay_signed_in = true      # sign in with a device session next time

    [display]
    time_format = "%H:%M:%S"   # strftime; the default is %H:%M
    bell = true                # ring on mentions and private messages

    [colours]                  # palette entry = [foreground, background]
    mention = ["black", "light magenta"]

    [keys]                     # key command = [keys] (see keys.py, /help)
    retry_now = ["f5"]

    [logging]
    dir = "~/chatlogs"         # a file per room, as --log-dir

A mistake in the file (bad TOML, an unknown section, key, colour, key
command or key name, a value of the wrong type) is one clear line on
stderr and exit status 2, before the screen opens: a silently ignored
setting would look like a bug in the client.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatroom.client import keys
from chatroom.client.palette import PALETTE, PaletteEntry
from chatroom.client.palette import palette_with as _palette_with
from chatroom.client.widgets import DEFAULT_TIME_FORMAT

#: The sections and keys the file may have (``colours`` and ``keys`` take
#: palette entries and key commands, checked against those lists).
KNOWN_KEYS: dict[str, frozenset[str] | None] = {
    "server": frozenset({"host", "port", "tls", "username", "stay_signed_in"}),
    "display": frozenset({"time_format", "bell"}),
    "colours": None,
    "keys": None,
    "logging": frozenset({"dir"}),
}


class SettingsError(Exception):
    """The settings file cannot be used; the message says where and why."""


@dataclass
class Settings:
    """What the settings file may set (defaults: as if there were none)."""

    host: str | None = None
    port: int | None = None
    username: str | None = None
    tls: bool = False
    #: Keep a device session to sign in with next time (see .staying).
    stay_signed_in: bool = False
    time_format: str = DEFAULT_TIME_FORMAT
    bell: bool = True
    log_dir: Path | None = None
    colours: dict[str, tuple[str, str]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the settings live, by the XDG base directory rules."""
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chatroom" / "client.toml"


def load(path: Path) -> Settings:
    """Read the settings file; a missing file is no settings at all.

    Raises:
        SettingsError: the file is not TOML, or a value has the wrong type.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise SettingsError(f"{path}: {problem}") from None
    try:
        _check_names(data)
        settings = _settings(data)
        apply_keys(settings, check_only=True)
        palette_with([], settings.colours, check_only=True)
    except (TypeError, ValueError) as problem:
        raise SettingsError(f"{path}: {problem}") from None
    except SettingsError as problem:
        raise SettingsError(f"{path}: {problem}") from None
    return settings


def _check_names(data: dict[str, Any]) -> None:
    """Refuse sections and keys the client does not know (``[colors]``,
    ``[display] time = ...``): they would be silently ignored."""
    for section, table in data.items():
        if section not in KNOWN_KEYS:
            raise ValueError(
                f"no section [{section}] (known: "
                f"{', '.join(f'[{name}]' for name in KNOWN_KEYS)})"
            )
        allowed = KNOWN_KEYS[section]
        if allowed is None or not isinstance(table, dict):
            continue
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ValueError(
                f"[{section}] has no {', '.join(unknown)} "
                f"(known: {', '.join(sorted(allowed))})"
            )


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise TypeError(f"[{name}] must be a table")
    return table


def _typed(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"{where}.{key} must be a {kind.__name__}")
    return value


def _settings(data: dict[str, Any]) -> Settings:
    server = _table(data, "server")
    display = _table(data, "display")
    logging = _table(data, "logging")
    settings = Settings(
        host=_typed(server, "host", str, "server"),
        port=_typed(server, "port", int, "server"),
        username=_typed(server, "username", str, "server"),
        tls=bool(_typed(server, "tls", bool, "server")),
        stay_signed_in=bool(_typed(server, "stay_signed_in", bool, "server")),
    )
    time_format = _typed(display, "time_format", str, "display")
    if time_format:
        settings.time_format = time_format
    bell = _typed(display, "bell", bool, "display")
    if bell is not None:
        settings.bell = bell
    log_dir = _typed(logging, "dir", str, "logging")
    if log_dir:
        settings.log_dir = Path(log_dir).expanduser()
    for name, pair in _table(data, "colours").items():
        if not (isinstance(pair, list) and len(pair) == 2):
            raise TypeError(f"colours.{name} must be [foreground, background]")
        settings.colours[name] = (str(pair[0]), str(pair[1]))
    for command, bound in _table(data, "keys").items():
        if not isinstance(bound, list):
            raise TypeError(f"keys.{command} must be a list of key names")
        settings.keys[command.upper()] = [str(key) for key in bound]
    return settings


def apply_keys(settings: Settings, check_only: bool = False) -> None:
    """Rebind the keys the settings name (``check_only``: just check them).

    Raises:
        SettingsError: an unknown key command or key name.
    """
    for command, bound in settings.keys.items():
        try:
            keys.check(command, bound)
            if not check_only:
                keys.rebind(command, bound)
        except ValueError as problem:
            raise SettingsError(f"[keys] {problem}") from None


def palette_with(
    palette: list[PaletteEntry],
    colours: Mapping[str, tuple[str, str]],
    check_only: bool = False,
) -> list[PaletteEntry]:
    """The palette with the settings' colours in place of the defaults
    (``check_only``: check the colours against the client's palette).

    Raises:
        SettingsError: an unknown palette entry or colour.
    """
    try:
        return _palette_with(PALETTE if check_only else palette, colours)
    except ValueError as problem:
        raise SettingsError(f"[colours] {problem}") from None
