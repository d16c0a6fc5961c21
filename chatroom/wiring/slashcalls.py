"""SlashCaller: the calls of rooms' slash commands, through the guard.

The :class:`~chatroom.core.rooms.slash_commands.CommandCaller` of ``twistd
chatroom``. A command's URL is a room owner's word, so every request goes
through the server's one guard of such requests
(:class:`~chatroom.wiring.outbound.OutboundGuard`): the URL is vetted when
it is added (:meth:`SlashCaller.vet`), and each call's connection is made
by the guard to an address it checked then. The agent follows no
redirect, so a ``3xx`` is an answer like any other, which the core takes
for a failure; nothing connects to where it points. The body read is
bounded (:data:`~chatroom.core.rooms.slash_commands.ANSWER_MAX`; a longer
one is a failure); the time a call may take is the core's, on its clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.web.http_headers import Headers
from twisted.web.iweb import IBodyProducer, IResponse
from zope.interface import implementer

from chatroom.core.rooms.slash_commands import ANSWER_MAX, CallFailedError, CallReply
from chatroom.wiring.linkfetch import BoundedBody, request_url
from chatroom.wiring.outbound import OutboundGuard, RefusedAddressError, guarded_agent

if TYPE_CHECKING:
    from twisted.web.client import Agent

#: Who calls, as the receiver's log shows it.
USER_AGENT = b"chatroom slash command (Mattermost-compatible)"


@implementer(IBodyProducer)
class FormBody:
    """A call's form, written at once (a few hundred bytes: nothing to
    pace, and no cooperator's timer to run on)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.length = len(data)

    def startProducing(self, consumer: Any) -> Deferred[None]:
        consumer.write(self.data)
        return succeed(None)

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass

    def stopProducing(self) -> None:
        pass


class SlashCaller:
    """Posts a command's fields and reads its answer (see the module)."""

    log = Logger()

    def __init__(self, guard: OutboundGuard, most_bytes: int = ANSWER_MAX) -> None:
        self.guard = guard
        self.most_bytes = most_bytes

    @cached_property
    def agent(self) -> Agent:
        """What posts, made at the first call (no redirect followed)."""
        return guarded_agent(self.guard)

    def vet(self, url: str) -> Deferred[bool]:
        return Deferred.fromCoroutine(self._vet(url))

    async def _vet(self, url: str) -> bool:
        try:
            await self.guard.vet(url)
        except RefusedAddressError as refused:
            self.log.info("slash command refused: {why}", why=refused)
            return False
        return True

    def post(self, url: str, fields: Sequence[tuple[str, str]]) -> Deferred[CallReply]:
        return Deferred.fromCoroutine(self._post(url, fields))

    async def _post(self, url: str, fields: Sequence[tuple[str, str]]) -> CallReply:
        headers = Headers(
            {
                b"User-Agent": [USER_AGENT],
                b"Content-Type": [b"application/x-www-form-urlencoded"],
                b"Accept": [b"application/json,text/plain;q=0.9"],
            }
        )
        body = FormBody(urlencode(list(fields)).encode("utf-8"))
        try:
            response: IResponse = await self.agent.request(
                b"POST", request_url(url), headers, body
            )
        except RefusedAddressError as refused:
            self.log.info("slash command refused: {why}", why=refused)
            raise CallFailedError("the address is not a public address") from None
        kind = (response.headers.getRawHeaders(b"content-type") or [b""])[0]
        main = kind.decode("latin-1").partition(";")[0].strip().lower()
        reading = BoundedBody(self.most_bytes + 1)
        response.deliverBody(reading)
        answer = await reading.done
        if len(answer) > self.most_bytes:
            raise CallFailedError("its answer is too long")
        return CallReply(response.code, main, answer)
