"""A real HTTP server on 127.0.0.1 for link previews' tests: the pages a
link may point to, and every request it was asked, so a test can prove
that nothing was."""

from __future__ import annotations

from typing import Any

from twisted.internet import reactor
from twisted.internet.interfaces import IListeningPort
from twisted.web import resource, server

#: What the test page says of itself.
TITLE = "Tea; a history"
DESCRIPTION = "Leaves, water\nand time"
IMAGE = "/img/pot.png"
OPENGRAPH_PAGE = f"""<!doctype html>
<html><head><title>Not this title</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:description" content="{DESCRIPTION}">
<meta property="og:image" content="{IMAGE}">
</head><body><p>Tea.</p></body></html>""".encode()
#: A page whose OpenGraph tags come after the first 600 KiB.
BIG_PAGE = (
    b"<html><head><title>The start</title></head><body>"
    + b"<p>filler</p>" * (600 * 1024 // 13)
    + b'<meta property="og:title" content="Too far">'
    + b"</body></html>"
)


class Page(resource.Resource):
    """One path's answer: its type and body, or a redirect."""

    isLeaf = True

    def __init__(
        self, asked: list[str], body: bytes = b"", kind: bytes = b"text/html"
    ) -> None:
        super().__init__()
        self.asked = asked
        self.body = body
        self.kind = kind
        self.redirect_to: bytes | None = None

    def render_GET(self, request: server.Request) -> bytes:
        self.asked.append(request.uri.decode())
        if self.redirect_to is not None:
            request.redirect(self.redirect_to)
            return b""
        request.setHeader(b"content-type", self.kind)
        return self.body


class PageServer:
    """The HTTP server: ``/page`` (OpenGraph), ``/big``, ``/image.png``,
    ``/text``, ``/redirect`` (set by the test); ``asked``, every path
    requested, in order."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        root = resource.Resource()
        root.putChild(b"page", Page(self.asked, OPENGRAPH_PAGE))
        root.putChild(b"big", Page(self.asked, BIG_PAGE))
        root.putChild(b"image.png", Page(self.asked, b"\x89PNG....", b"image/png"))
        root.putChild(b"text", Page(self.asked, b"plain", b"text/plain"))
        self.redirect = Page(self.asked)
        root.putChild(b"redirect", self.redirect)
        site: Any = server.Site(root)
        self.port: IListeningPort = reactor.listenTCP(0, site, interface="127.0.0.1")

    @property
    def number(self) -> int:
        address: Any = self.port.getHost()
        return int(address.port)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.number}{path}"

    def stop(self) -> object:
        return self.port.stopListening()
