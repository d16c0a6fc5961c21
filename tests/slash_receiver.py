"""A slash command's receiver on 127.0.0.1 for the tests: a real HTTP
server (twisted.web, the real reactor) that keeps every ``POST``'s form
and answers each path as the test says, as a chat-ops service behind
Mattermost's custom slash commands would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from twisted.internet import reactor
from twisted.web.resource import Resource
from twisted.web.server import Site


@dataclass(frozen=True)
class Answer:
    """What a path answers: a status, a content type, a body and headers."""

    status: int = 200
    kind: str = "application/json"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Call:
    """One call as received: its path, its content type and its form."""

    path: str
    kind: str
    form: dict[str, str]


class _Calls(Resource):
    isLeaf = True

    def __init__(self, receiver: Receiver) -> None:
        super().__init__()
        self.receiver = receiver

    def render_POST(self, request: Any) -> bytes:
        path = request.path.decode()
        kind = (request.getHeader(b"content-type") or b"").decode()
        form = dict(parse_qsl(request.content.read().decode(), True))
        self.receiver.calls.append(Call(path, kind, form))
        answer = self.receiver.answers.get(path, Answer(404, "text/plain", b"no"))
        request.setResponseCode(answer.status)
        request.setHeader(b"content-type", answer.kind.encode())
        for name, value in answer.headers:
            request.setHeader(name.encode(), value.encode())
        return answer.body


@dataclass
class Receiver:
    """The receiver; ``answers``: by path (``404`` otherwise)."""

    answers: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    port: Any = None

    def start(self) -> Receiver:
        site: Any = Site(_Calls(self))
        site.noisy = False
        self.port = reactor.listenTCP(0, site, interface="127.0.0.1")
        return self

    @property
    def number(self) -> int:
        number: int = self.port.getHost().port
        return number

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.number}{path}"


def in_channel(text: str, username: str = "") -> Answer:
    """Mattermost's answer said in the room."""
    fields = f'"response_type": "in_channel", "text": "{text}"'
    if username:
        fields += f', "username": "{username}"'
    return Answer(body=("{" + fields + "}").encode())


def ephemeral(text: str) -> Answer:
    """Mattermost's answer for the typer alone."""
    return Answer(
        body=('{"response_type": "ephemeral", "text": "' + text + '"}').encode()
    )
