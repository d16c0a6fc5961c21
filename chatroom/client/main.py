"""``chatroom-urwid HOST PORT``: the terminal client's entry point.

The first connection is made before the screen starts, so an unreachable
server is one line on stderr and exit status 1, with the terminal left
alone. After that urwid shares Twisted's reactor (``TwistedEventLoop``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import urwid
from twisted.internet.endpoints import (
    HostnameEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.python.failure import Failure

from chatroom.client.controller import ChatController
from chatroom.client.model import SessionModel
from chatroom.client.protocol import ChatClientProtocol
from chatroom.client.view import PALETTE, ChatScreen, ScreenRefresher


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--help`` describes it."""
    parser = argparse.ArgumentParser(
        prog="chatroom-urwid",
        description="Full-screen terminal client for a chatroom server.",
    )
    parser.add_argument("host", help="server host name or address")
    parser.add_argument("port", type=int, help="server port")
    parser.add_argument("--username", help="take this name without asking")
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--ca", type=Path, help="CA certificate (PEM) to trust (TLS)")
    trust.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the server's certificate (TLS, testing only)",
    )
    arguments = parser.parse_args(argv)
    if (arguments.ca or arguments.insecure) and not arguments.tls:
        parser.error("--ca and --insecure need --tls")
    return arguments


def make_endpoint(reactor: Any, arguments: argparse.Namespace) -> IStreamClientEndpoint:
    """A TCP endpoint, wrapped in TLS when asked (verified unless --insecure)."""
    endpoint: IStreamClientEndpoint = HostnameEndpoint(
        reactor, arguments.host, arguments.port
    )
    if not arguments.tls:
        return endpoint
    from twisted.internet import ssl

    if arguments.insecure:
        options: Any = ssl.CertificateOptions(verify=False)
    elif arguments.ca:
        authority = ssl.Certificate.loadPEM(arguments.ca.read_bytes())
        options = ssl.optionsForClientTLS(arguments.host, trustRoot=authority)
    else:
        options = ssl.optionsForClientTLS(arguments.host)
    return wrapClientTLS(options, endpoint)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the client until the user quits; exit 1 if the server is unreachable."""
    arguments = parse_arguments(argv)
    from twisted.internet import reactor

    address = f"{arguments.host}:{arguments.port}"
    try:
        endpoint = make_endpoint(reactor, arguments)
    except (OSError, ValueError) as problem:
        sys.exit(f"chatroom-urwid: {problem}")

    model = SessionModel()
    outcome: dict[str, int] = {"status": 0}
    loop: urwid.MainLoop | None = None

    def leave() -> None:
        if loop is not None:
            loop.stop()
        if reactor.running:
            reactor.stop()

    controller = ChatController(
        model,
        endpoint.connect,
        reactor,
        address,
        username=arguments.username,
        on_exit=leave,
    )
    screen = ChatScreen(model, controller, address)

    def connected(protocol: ChatClientProtocol) -> None:
        nonlocal loop
        display = urwid.display.raw.Screen()
        # Ctrl-C is a key (a clean /quit), not SIGINT.
        display.tty_signal_keys(intr="undefined")
        loop = urwid.MainLoop(
            screen,
            PALETTE,
            screen=display,
            handle_mouse=True,
            event_loop=urwid.TwistedEventLoop(reactor=reactor, manage_reactor=False),
        )
        loop.start()
        ScreenRefresher(model, reactor, loop.draw_screen)

    def unreachable(failure: Failure) -> None:
        message = failure.getErrorMessage() or failure.type.__name__
        print(
            f"chatroom-urwid: cannot connect to {address}: {message}", file=sys.stderr
        )
        outcome["status"] = 1
        reactor.stop()

    def start() -> None:
        controller.start().addCallbacks(connected, unreachable)

    reactor.callWhenRunning(start)
    reactor.run()
    sys.exit(outcome["status"])


if __name__ == "__main__":
    main()
