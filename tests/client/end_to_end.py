"""Real client objects (controller, model, screen) against the real server.

:class:`Client` is one user's client without a terminal; :class:`ClientTestCase`
starts the service built by the twistd plugin's ``makeService`` on
127.0.0.1 port 0 and connects clients to it. The screen is driven by
keypresses and read by rendering, as a user would. Tests wait on Deferreds
from ``SessionModel.when``, never on sleeps; reconnect timers run on a
``task.Clock`` the test advances.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.task import Clock
from twisted.internet.tcp import Connection
from twisted.trial import unittest

from chatroom.client.controller import ChatController
from chatroom.client.model import Page, SessionModel
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.client.view import ChatScreen
from chatroom.wiring.tap import ChatroomService, Options, makeService
from tests.client.support import SIZE, screen_text, type_text
from tests.support import IN_PROCESS, built_by, port_of


class Client:
    """One user's client: controller, model and screen, without a terminal."""

    def __init__(self, port: Callable[[], int], username: str | None = None) -> None:
        self.port = port
        self.clock = Clock()  # reconnect timers; the test decides when they fire
        self.model = SessionModel()
        self.controller = ChatController(
            self.model,
            self.connect,
            self.clock,
            "127.0.0.1",
            username=username,
            send_clock=reactor,  # the server's flood limit runs on real time
        )
        self.screen = ChatScreen(self.model, self.controller, "127.0.0.1")

    def connect(self, factory: ChatClientFactory) -> Deferred[ChatClientProtocol]:
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.port())
        return endpoint.connect(factory).addCallback(built_by, ChatClientProtocol)

    def when(self, predicate: Callable[[SessionModel], bool]) -> Deferred[None]:
        return self.model.when(predicate)

    def type_line(self, text: str) -> None:
        """Type a line and press Enter."""
        type_text(self.screen, text)
        self.screen.keypress(SIZE, "enter")

    async def ask(self, line: str, answer: str, asker: Client | None = None) -> None:
        """``asker`` (default: this client) types ``line``; wait for ``answer`` here."""
        (asker or self).type_line(line)
        await self.when(self.has_message(answer))

    async def lose_connection(self) -> None:
        """Drop the connection as a network failure would (no BYE), and
        wait until the client knows; its reconnect waits for ``clock``."""
        assert self.controller.protocol is not None
        transport = self.controller.protocol.transport
        assert isinstance(transport, Connection)  # TCP, which can abort
        transport.abortConnection()
        await self.when(lambda model: not model.connected)

    def text(self) -> str:
        return "\n".join(screen_text(self.screen))

    def has_message(self, text: str) -> Callable[[SessionModel], bool]:
        return lambda model: any(entry.text == text for entry in model.log)


class ClientTestCase(unittest.TestCase):
    """Clients and a server talking over real sockets on the loopback."""

    #: A bound for a hung test, not a speed target: a parallel suite beside
    #: irctest loads two cores ten times over (one such run took 18 s here).
    timeout = 60

    async def asyncSetUp(self) -> None:
        await self.start_server()

    def setUp(self) -> Deferred[None]:  # type: ignore[override]  # trial waits
        self.clients: list[Client] = []
        self.service: ChatroomService | None = None
        self.addCleanup(self.stop_everything)
        return Deferred.fromCoroutine(self.asyncSetUp())

    async def start_server(self) -> None:
        config = Options()
        config.parseOptions(
            ["--port", "tcp:0:interface=127.0.0.1", "--db", ":memory:", *IN_PROCESS]
        )
        self.service = makeService(config)
        self.service.startService()
        listening = await self.service.listener.whenListening()
        self.port = port_of(listening)

    async def stop_server(self) -> None:
        service, self.service = self.service, None
        if service is not None:
            await service.stopService()

    async def stop_everything(self) -> None:
        await self.stop_server()
        for client in self.clients:
            client.controller.quitting = True  # no reconnecting after the test
            await client.when(lambda model: not model.connected)

    async def connect(self, username: str | None = None) -> Client:
        client = Client(lambda: self.port, username)
        self.clients.append(client)
        await client.controller.start()
        page = Page.LOBBY if username else Page.USERNAME
        await client.when(lambda model: model.page == page)
        return client

    async def in_room(self, client: Client, room: str) -> None:
        client.type_line(room)
        await client.when(lambda model: model.room == room)
