"""``/export/<token>``: a user's archive (``/export``), handed out once.

The link an ``EXPORT`` answer gives (:mod:`chatroom.core.policy.userdata`): the
token is the secret; the registry hands its archive out once and forgets
it (in Redis for a cluster, so any node's door serves it), so a second
``GET``, an unknown token or one older than ten minutes is ``404``. The
archive is a download that no cache may keep.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.doors.base.hub import DoorHub


class Exports(Resource):
    """``/export/<token>``: the archive once, then ``404``."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def render_GET(self, request: Request) -> int | bytes:
        request.setHeader("cache-control", "no-store")
        path = request.postpath or []
        if len(path) != 1 or not path[0]:
            request.setResponseCode(404)
            return b"no such export\n"
        token = path[0].decode("ascii", "replace")
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def answer(archive: bytes | None) -> None:
            if gone:
                return
            if archive is None:
                request.setResponseCode(404)
                request.setHeader("content-type", "text/plain; charset=utf-8")
                request.write(b"no such export: used already, or over\n")
            else:
                request.setHeader("content-type", "application/json")
                request.setHeader(
                    "content-disposition",
                    'attachment; filename="chatroom-export.json"',
                )
                request.write(archive)
            request.finish()

        def failed(failure: Failure) -> None:
            self.log.failure("serving an export failed", failure)
            if not gone:
                request.setResponseCode(503)
                request.finish()

        taking = Deferred.fromCoroutine(self.chat.registry.users.take_export(token))
        taking.addCallback(answer).addErrback(failed)
        return NOT_DONE_YET
