"""``/_matrix/app/v1/``: the application service API, where the Matrix
homeserver pushes and asks (bridged.md, "Nothing lost, nothing doubled").

- ``PUT transactions/{txnId}``: a transaction of events, ``200 {}`` once
  each is relayed (:meth:`~chatroom.core.bridging.appservice.MatrixBridge.
  transaction`);
- ``GET rooms/{alias}``: ``200 {}`` if the alias is a bridged room's portal
  (made then), else ``404 M_NOT_FOUND``;
- ``GET users/{userId}``: ``200 {}`` for a puppet (registered then), else
  ``404``;
- ``POST ping``: ``200 {}``.

Every request carries the registration's ``hs_token``, as
``Authorization: Bearer`` or, from older homeservers, ``?access_token=``:
none is ``401 M_UNAUTHORIZED``, another ``403 M_FORBIDDEN``, and nothing of
such a request goes further. The answers are JSON; the rules are the core's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.bridging.appservice import UNAUTHORIZED, MatrixBridge

#: The largest transaction read (bytes): Synapse sends at most 100 events
#: and 100 ephemeral ones a transaction.
MOST_BODY = 4 * 1024 * 1024


def _json(request: Request, code: int, answer: dict[str, Any]) -> bytes:
    request.setResponseCode(code)
    request.setHeader("content-type", "application/json")
    return json.dumps(answer).encode()


def _token(request: Request) -> str | None:
    header = request.getHeader("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    given = request.args.get(b"access_token") if request.args else None
    return given[0].decode("utf-8", "replace") if given else None


class AppServiceResource(Resource):
    """``/_matrix``: its ``app/v1/...`` paths, answered here (a leaf)."""

    isLeaf = True
    log = Logger()

    def __init__(self, bridge: MatrixBridge) -> None:
        super().__init__()
        self.bridge = bridge

    def render(self, request: Request) -> bytes | int:
        path = request.postpath or []
        parts = [unquote(p.decode("utf-8", "replace")) for p in path]
        if parts[:2] != ["app", "v1"] or len(parts) < 3:
            return _json(request, 404, {"errcode": "M_UNRECOGNIZED"})
        refusal = self.bridge.refusal(_token(request))
        if refusal is not None:
            code = 401 if refusal == UNAUTHORIZED else 403
            return _json(request, code, {"errcode": refusal, "error": "bad token"})
        what, rest, method = parts[2], parts[3:], request.method
        if what == "ping" and not rest and method == b"POST":
            self.bridge.pinger.answering = True
            return _json(request, 200, {})
        if what == "transactions" and len(rest) == 1 and method == b"PUT":
            body = request.content.read(MOST_BODY) if request.content else b""
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return _json(request, 400, {"errcode": "M_NOT_JSON"})
            events = data.get("events") if isinstance(data, dict) else None
            if not isinstance(events, list):
                events = []
            return self._answer(
                request, lambda: self.bridge.transaction(rest[0], events)
            )
        if what in ("rooms", "users") and len(rest) == 1 and method == b"GET":
            ask = self.bridge.room_query if what == "rooms" else self.bridge.user_query

            async def found() -> bool:
                return await ask(rest[0])

            return self._answer(request, found)
        return _json(request, 404, {"errcode": "M_UNRECOGNIZED"})

    def _answer(self, request: Request, work: Callable[[], Awaitable[object]]) -> int:
        """``200 {}`` when ``work`` is done (``404 M_NOT_FOUND`` if it says
        False); ``500`` if it failed, so the homeserver sends it again."""
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def done(result: object) -> None:
            if gone:
                return
            if result is False:
                request.write(_json(request, 404, {"errcode": "M_NOT_FOUND"}))
            else:
                request.write(_json(request, 200, {}))
            request.finish()

        def failed(failure: Failure) -> None:
            self.log.failure("the Matrix bridge failed a request", failure)
            if gone:
                return
            request.write(_json(request, 500, {"errcode": "M_UNKNOWN"}))
            request.finish()

        async def run() -> object:
            return await work()

        Deferred.fromCoroutine(run()).addCallbacks(done, failed)
        return NOT_DONE_YET
