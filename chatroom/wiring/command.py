"""``chatroom``: the operator's command beside ``twistd chatroom``.

``chatroom config check PATH`` reads a ``--config`` file as the server
would (every key, type and value, the rules across options, and each
door's endpoint description, an ``ssl:`` one's key and certificate read)
without listening or opening the store, and says ``PATH: ok``; or, as the
server would refuse it, one line naming the file, the line and the key,
and exit status 1. For a deployment's checks (before a restart, in CI).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from twisted.python import usage

from chatroom.wiring.configfile import ConfigFile, option_table
from chatroom.wiring.reuseport import ENDPOINT_ERRORS, build_endpoint
from chatroom.wiring.tap import Options

USAGE = "usage: chatroom config check PATH"


def check_config(path: str) -> None:
    """Check ``path`` as ``twistd chatroom --config PATH`` would.

    Raises:
        usage.UsageError: what is wrong, in one line (a
            :class:`~chatroom.wiring.configfile.ConfigFileError` names the
            line).
    """
    options = Options()
    options.parseOptions(["--config", path])
    from twisted.internet import reactor  # only parses: nothing listens

    for door in ("port", "irc", "http"):
        for description in options[door] or ():
            try:
                build_endpoint(reactor, description)
            except ENDPOINT_ERRORS as problem:
                settings = ConfigFile.read(path, option_table(Options))
                if door not in settings.arguments:  # the default's
                    raise usage.UsageError(
                        f"--{door} {description}: {problem}"
                    ) from None
                raise settings.error(door, f"{description}: {problem}") from None


def main(arguments: Sequence[str] | None = None) -> int:
    """``chatroom config check PATH``; the exit status."""
    given = list(sys.argv[1:] if arguments is None else arguments)
    if len(given) != 3 or given[:2] != ["config", "check"]:
        print(USAGE, file=sys.stderr)
        return 2
    path = given[2]
    try:
        check_config(path)
    except usage.UsageError as problem:
        print(f"chatroom: {problem}", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
