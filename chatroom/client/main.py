"""``chatroom-urwid [HOST PORT]``: the terminal client's entry point.

HOST and PORT may come from the settings file instead (see
:mod:`chatroom.client.settings`); the command line wins, and PORT is 8080
when neither gives one. Every mistake in the command line, the settings
file or ``--log-dir`` is one line on stderr and exit status 2, before the
terminal is touched.

The first connection is made before the screen starts, so an unreachable
server is one line on stderr and exit status 1, with the terminal left
alone. After that urwid shares Twisted's reactor (``TwistedEventLoop``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import urwid
from twisted.internet.endpoints import (
    HostnameEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import IReactorTime, IStreamClientEndpoint
from twisted.python.failure import Failure

from chatroom.client.controller import ChatController
from chatroom.client.failover import FailoverConnector
from chatroom.client.logfile import RoomLogger
from chatroom.client.model import SessionModel
from chatroom.client.palette import PALETTE, for_terminal
from chatroom.client.pasting import BurstPastes
from chatroom.client.protocol import ChatClientProtocol
from chatroom.client.refresher import ScreenRefresher
from chatroom.client.settings import (
    Settings,
    SettingsError,
    apply_keys,
    default_path,
    load,
    palette_with,
)
from chatroom.client.staying import SessionTokens, default_folder
from chatroom.client.uploading import http_poster
from chatroom.client.view import ChatScreen

#: The port when neither the command line nor the settings name one.
DEFAULT_PORT = 8080

#: The exit status of a mistake in what the user gave (as argparse's).
USAGE_STATUS = 2


def refuse(message: str) -> NoReturn:
    """One line on stderr and exit status 2 (no usage block, no traceback)."""
    print(f"chatroom-urwid: {message}", file=sys.stderr)
    sys.exit(USAGE_STATUS)


def parse_arguments(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ
) -> tuple[argparse.Namespace, Settings]:
    """The command line, with the settings file filling what it leaves out.

    ``--help`` describes it; mistakes exit with status 2 (the settings
    file's with one line on stderr, naming the file and the mistake).
    """
    parser = argparse.ArgumentParser(
        prog="chatroom-urwid",
        description="Full-screen terminal client for a chatroom server.",
    )
    parser.add_argument("host", nargs="?", help="server host name or address")
    parser.add_argument(
        "port", nargs="?", type=int, help=f"server port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--username",
        help="take this name without asking (a registered one asks for its "
        "password, or signs in with $CHATROOM_PASSWORD)",
    )
    parser.add_argument(
        "--stay-signed-in",
        action="store_true",
        help="keep a device session in a file only you can read, and sign in "
        "with it next time instead of asking the password",
    )
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="another address of the same chat (a cluster's other node), tried "
        "in turn when the connection is lost (repeatable)",
    )
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--ca", type=Path, help="CA certificate (PEM) to trust (TLS)")
    trust.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the server's certificate (TLS, testing only)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default_path(environ),
        help="settings file (default: %(default)s)",
    )
    parser.add_argument(
        "--log-dir", type=Path, help="append each room's lines to a file here"
    )
    arguments = parser.parse_args(argv)
    try:
        settings = load(arguments.config)
    except SettingsError as problem:
        refuse(str(problem))
    if arguments.host is None:
        arguments.host = settings.host
    if arguments.port is None:
        arguments.port = settings.port or DEFAULT_PORT
    if arguments.host is None:
        parser.error(f"give HOST [PORT] (or [server] host in {arguments.config})")
    arguments.username = arguments.username or settings.username
    arguments.tls = arguments.tls or settings.tls
    arguments.stay_signed_in = arguments.stay_signed_in or settings.stay_signed_in
    arguments.log_dir = arguments.log_dir or settings.log_dir
    if (arguments.ca or arguments.insecure) and not arguments.tls:
        parser.error("--ca and --insecure need --tls")
    try:
        arguments.also = [host_and_port(address) for address in arguments.also]
    except ValueError as problem:
        parser.error(f"--also: {problem}")
    return arguments, settings


def host_and_port(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[V6]:PORT`` too) as a pair; ValueError if it is not one."""
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def make_endpoint(
    reactor: Any, arguments: argparse.Namespace, host: str, port: int
) -> IStreamClientEndpoint:
    """A TCP endpoint, wrapped in TLS when asked (verified unless --insecure)."""
    endpoint: IStreamClientEndpoint = HostnameEndpoint(reactor, host, port)
    if not arguments.tls:
        return endpoint
    from twisted.internet import ssl

    if arguments.insecure:
        options: Any = ssl.CertificateOptions(verify=False)
    elif arguments.ca:
        authority = ssl.Certificate.loadPEM(arguments.ca.read_bytes())
        options = ssl.optionsForClientTLS(host, trustRoot=authority)
    else:
        options = ssl.optionsForClientTLS(host)
    return wrapClientTLS(options, endpoint)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the client until the user quits; exit 1 if the server is unreachable."""
    arguments, settings = parse_arguments(argv)
    try:
        apply_keys(settings)
        palette = palette_with(PALETTE, settings.colours)
    except SettingsError as problem:
        refuse(str(problem))
    from twisted.internet import reactor

    address = f"{arguments.host}:{arguments.port}"
    try:
        addresses = [(arguments.host, arguments.port), *arguments.also]
        connect = FailoverConnector(
            [make_endpoint(reactor, arguments, *where) for where in addresses]
        )
    except (OSError, ValueError) as problem:
        refuse(str(problem))

    model = SessionModel()
    outcome: dict[str, int] = {"status": 0}
    loop: urwid.MainLoop | None = None
    refresher: ScreenRefresher | None = None
    logger: RoomLogger | None = None
    if arguments.log_dir:
        try:
            logger = RoomLogger(model, arguments.log_dir)
        except OSError as problem:
            reason = problem.strerror or str(problem)
            refuse(f"--log-dir {arguments.log_dir}: {reason}")

    def leave() -> None:
        # The refresher first: a redraw after urwid lets go of the terminal
        # raises, and Twisted prints the traceback on the way out.
        if refresher is not None:
            refresher.stop()
        if loop is not None:
            loop.stop()
        if logger is not None:
            logger.close()
        if reactor.running:
            reactor.stop()

    controller = ChatController(
        model,
        connect,
        reactor,
        address,
        username=arguments.username,
        on_exit=leave,
        # Never an option or a setting: command lines and files are read
        # by others; the environment is the user's own.
        password=os.environ.get("CHATROOM_PASSWORD") or None,
        post=http_poster(reactor),
        tokens=SessionTokens(default_folder()) if arguments.stay_signed_in else None,
    )

    # Bracketed paste: a paste of several lines is one message (.pasting).
    display = urwid.display.raw.Screen(bracketed_paste_mode=True)

    def bell() -> None:
        if loop is not None and settings.bell:
            display.write("\a")
            display.flush()

    screen = ChatScreen(
        model, controller, address, time_format=settings.time_format, bell=bell
    )

    def connected(protocol: ChatClientProtocol) -> None:
        nonlocal loop, refresher
        # Ctrl-C is a key (a clean /quit), not SIGINT.
        display.tty_signal_keys(intr="undefined")
        loop = urwid.MainLoop(
            screen,
            for_terminal(palette, display.fg_bright_is_bold),
            screen=display,
            handle_mouse=True,
            # A read of several lines after a quiet moment is a paste, on
            # terminals without bracketed paste.
            input_filter=BurstPastes(cast(IReactorTime, reactor)),
            event_loop=urwid.TwistedEventLoop(
                reactor=cast(Any, reactor), manage_reactor=False
            ),
        )
        loop.start()
        refresher = ScreenRefresher(model, reactor, loop.draw_screen)

    def unreachable(failure: Failure) -> None:
        message = failure.getErrorMessage() or type(failure.value).__name__
        print(
            f"chatroom-urwid: cannot connect to {address}: {message}", file=sys.stderr
        )
        outcome["status"] = 1
        reactor.stop()

    def broken(failure: Failure) -> None:
        # Never a blank screen that ignores Ctrl-C: give the terminal back,
        # say what broke, and exit 1.
        if loop is not None:
            loop.stop()
        print(f"chatroom-urwid: {failure.getErrorMessage()}", file=sys.stderr)
        outcome["status"] = 1
        if reactor.running:
            reactor.stop()

    def start() -> None:
        controller.start().addCallbacks(connected, unreachable).addErrback(broken)

    reactor.callWhenRunning(start)
    reactor.run()
    sys.exit(outcome["status"])


if __name__ == "__main__":
    main()
