"""``chatroom-urwid`` whose connection is cut comes straight back as itself.

A person's view of issue 79's "Your name is yours again at once": alice's
terminal client talks to the real ``twistd chatroom`` through a TCP relay
that the test cuts, as a network blip does (both sides reset, the server
sees the connection close). Her client reconnects by itself and is
alice again at once, with no name prompt and no "still held by the lost
session" wait, back in her room; bob, who stayed, sees her leave and come
back. Waits are polls with a deadline, never fixed sleeps.
"""

from __future__ import annotations

import socket
import struct
import threading

from tests.client.tmux import TerminalCase, TerminalClient, wait_for


class Relay:
    """A TCP relay on a free loopback port to ``port``, whose connections
    :meth:`cut` resets all at once."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:  # closed
                return
            up = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [down, up]
            for source, sink in ((down, up), (up, down)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        """Every connection reset, both ways, in the same moment."""
        cutting, self.sockets = self.sockets, []
        for each in cutting:
            each.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            each.shutdown(socket.SHUT_RDWR)  # wakes its pump, then resets
            each.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()


class DroppedTerminalTests(TerminalCase):
    server_options = ("--rate", "0")

    def test_back_as_itself_at_once_after_a_cut(self) -> None:
        relay = Relay(self.port)
        self.addCleanup(relay.close)
        alice = TerminalClient(self, "alice", "--username", "alice", port=relay.port)
        bob = TerminalClient(self, "bob", "--username", "bob")
        alice.shows("you are alice")
        alice.type_line("tea3")
        alice.shows("you joined tea3")
        bob.shows("tea3")
        bob.type_line("tea3")
        bob.shows("you joined tea3")
        alice.shows("bob joined")
        relay.cut()
        bob.shows("alice left (connection")
        wait_for(
            "alice back in tea3",
            lambda: "• reconnected" in "\n".join(alice.log("tea3")),
            timeout=30,
        )
        bob.shows("→ alice joined")
        alice.type_line("back again")
        wait_for(
            "bob to hear alice, as alice",
            lambda: "<alice> back again" in "\n".join(bob.log("tea3")),
        )
        screen = alice.screen()
        self.assertNotIn("still held", screen)
        self.assertNotIn("could not take back", screen)
