"""``/hooks/<secret>``: a webhook's posts, answered as Slack answers them.

The body is Slack's or Mattermost's incoming-webhook JSON (``{"text":
..., "username": ..., "attachments": [...]}``), as ``application/json``
or, as Slack also takes it, a form whose ``payload`` field holds it; the
core decides the rest (:meth:`chatroom.core.rooms.webhooks.Webhooks.post`).
The answer is
``200`` and ``ok``, as Slack's; a refusal is its status (:data:`STATUSES`)
and its text on one line, ``429`` with ``Retry-After``. Bodies over
:data:`~chatroom.core.rooms.webhooks.HOOK_BODY_MAX` are refused from their
headers (``413``, :mod:`chatroom.doors.web.channel`), which also keeps the
secret out of the access log.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qs

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.pages import notFound
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.model.errors import ChatError, WebhookThrottledError
from chatroom.doors.base.hub import DoorHub

#: A refusal's HTTP status, by its code (any other: 500, logged).
STATUSES = {
    "BAD_ARGS": 400,
    "BAD_TEXT": 400,
    "NO_SUCH_WEBHOOK": 404,
    "TOO_LARGE": 413,
    "TOO_FAST": 429,
    "UNAVAILABLE": 503,
}
_FORM = "application/x-www-form-urlencoded"


class HooksResource(Resource):
    """``/hooks``: each child is one secret's :class:`HookPosts`."""

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def getChild(self, path: bytes, request: Request) -> IResource:
        if not path or request.postpath or not path.isascii():
            return notFound()
        return HookPosts(self.chat, path.decode("ascii"))


class HookPosts(Resource):
    """The posts to one hook's address (``POST`` only: anything else is
    ``405``, answered here, not by twisted.web, whose answer to a ``HEAD``
    would log the request, secret and all)."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub, secret: str) -> None:
        super().__init__()
        self.chat = server
        self.secret = secret

    def render(self, request: Request) -> bytes | int:
        if request.method == b"POST":
            return self.render_POST(request)
        request.setResponseCode(405)
        request.setHeader("allow", "POST")
        request.setHeader("content-type", "text/plain; charset=utf-8")
        return b"" if request.method == b"HEAD" else b"POST Slack's JSON here\n"

    def render_POST(self, request: Request) -> int:
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)
        body = request.content.read() if request.content is not None else b""
        kind = (request.getHeader("content-type") or "").split(";")[0].strip()
        if kind.lower() == _FORM:  # Slack's other way: payload=<the JSON>
            body = parse_qs(body).get(b"payload", [b""])[0]

        def answer(code: int, said: bytes, retry_after: float = 0.0) -> None:
            if gone:
                return
            request.setResponseCode(code)
            request.setHeader("content-type", "text/plain; charset=utf-8")
            if retry_after:
                request.setHeader("retry-after", str(math.ceil(retry_after)))
            request.write(said)
            request.finish()

        def refused(failure: Failure) -> None:
            refusal = failure.value
            if not isinstance(refusal, ChatError) or refusal.code not in STATUSES:
                self.log.failure("a webhook's post failed", failure)
                answer(500, b"the server failed to post this\n")
                return
            wait = refusal.seconds if isinstance(refusal, WebhookThrottledError) else 0
            answer(STATUSES[refusal.code], refusal.text.encode() + b"\n", wait)

        posting = Deferred.fromCoroutine(
            self.chat.registry.webhooks.post(self.secret, body)
        )
        posting.addCallbacks(lambda _: answer(200, b"ok"), refused)  # as Slack's
        return NOT_DONE_YET
