"""An account's devices on every node of the cluster: the Redis :class:`OtherNodes`.

Each node's seat of an account (:mod:`chatroom.core.infra.seats`) holds the
account's devices connected to that node. So that ``--max-devices``,
``/devices`` and ``/logout ID`` see all of them, wherever they are:

- ``P devices:<u>``: a hash, seat token → that seat's devices, written by
  its node whenever they change (``number door since`` each, comma
  separated; those the core counts, never a standing member:
  :func:`chatroom.core.services.devices.own_device`); a field whose
  token no longer holds u (its node gone) is not read, and is dropped
  when seen; releasing u drops the hash;
- ``P devnum:<u>``: the last device number given out to u's devices, so
  numbers are unique over every node, and ``/devices`` lists them in the
  order they signed in whatever the nodes' clocks (dropped with u);
- ``P devclaims:<u>``: a sorted set, device number → when its claim
  lapses (Redis's own ``TIME``): numbers given out under
  ``--max-devices`` (:data:`NUMBER`) whose seat has not published them
  yet, so that two sign-ins racing on two nodes are counted against each
  other; :data:`PUBLISH` drops those it lists, and a claim whose sign-in
  failed lapses after :data:`CLAIM_SECONDS` (dropped with u);
- ``/logout ID`` of a device of another node is an ``EndDevice`` order
  (:mod:`chatroom.core.model.nodemessages`) on that node's channel, for the
  seat's token, which that node reports to its core
  (:meth:`~chatroom.core.backend.Reports.device_logged_out`: the device
  session it holds ends with it).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.entries import RedisEntries
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replies import key_of
from chatroom.core.infra.seats import Session
from chatroom.core.model import codec
from chatroom.core.model.events import PrivateRedacted
from chatroom.core.model.facts import WelcomeFacts
from chatroom.core.model.member import Member
from chatroom.core.model.nodemessages import EndDevice
from chatroom.core.server.bus import DeviceRow

#: Operands: account, token, devices ('' for none). Seat token's devices
#: of the account's name.
PUBLISH = Script("devices-publish")

#: Operands: account, token, event. To its sessions on other nodes than
#: token's
#: (the sender's copy of a private message's deletion; a message's copy
#: goes in the script that tells or keeps it).
TELL_OTHERS = Script("tell-others")

#: Seconds a device number given out under ``--max-devices`` counts
#: before its seat publishes it: far longer than the few Redis calls
#: between the two, short enough that a sign-in failing meanwhile does
#: not keep a device's place for long.
CLAIM_SECONDS = 30

#: Operands: account, limit (0: none), seconds (a claim's). The next
#: number for a
#: device of u; with a limit, 0 instead if u has that many devices on
#: every node (those of seats still holding u, and those claimed).
NUMBER = Script("device-number")

#: Operands: account, token ('' for none). The devices of its seats but
#: token's
#: (fields of seats gone are dropped).
LISTED = Script("devices-listed")

#: Operands: account, token, number, order (the node's ``EndDevice`` of
#: it, encoded).
#: Device number of u on a seat other than token's is told it; 1 if one
#: was, else 0.
END = Script("device-end")


def _rows(value: bytes) -> list[DeviceRow]:
    """A seat's devices as :data:`PUBLISH` wrote them."""
    rows: list[DeviceRow] = []
    for entry in value.decode().split(","):
        number, door, since = entry.split(" ")
        rows.append((int(number), door, float(since)))
    return rows


class RedisOtherNodes:
    """A node's view of its accounts' devices on the other nodes."""

    log = Logger()

    def __init__(self, calls: RedisCalls, entries: RedisEntries) -> None:
        self.calls = calls
        self.entries = entries

    async def held_elsewhere(
        self, member: Member, session: Session
    ) -> list[str] | None:
        """``HELD_ROOMS``: the rooms of the name another node holds too (a
        device of the account there)."""
        reply = await self.calls.eval(
            scripts.HELD_ROOMS, {"user": key_of(session), "token": session.token}
        )
        return [room.decode() for room in reply[1:]] if int(reply[0]) else None

    async def tell(self, account: str, token: str, event: PrivateRedacted) -> None:
        told = {"account": account, "token": token, "event": codec.encode(event)}
        await self.calls.eval(TELL_OTHERS, told)

    async def show(
        self, member: Member, session: Session, key: str, since: int | None
    ) -> WelcomeFacts | None:
        return await self.entries.view(member, session, key, since)

    async def number(self, account: str, limit: int = 0) -> int | None:
        read = {"account": account, "limit": limit, "seconds": CLAIM_SECONDS}
        return int(await self.calls.eval(NUMBER, read))

    def publish(self, account: str, token: str, devices: list[DeviceRow]) -> None:
        value = ",".join(
            f"{number} {door} {since!r}" for number, door, since in devices
        )
        published = {"account": account, "token": token, "devices": value}
        done = Deferred.fromCoroutine(self.calls.eval(PUBLISH, published))
        done.addErrback(
            lambda failure: self.log.warn(
                "devices of {account} not published: {why}",
                account=account,
                why=failure.getErrorMessage(),
            )
        )

    async def listed(self, account: str, token: str) -> list[DeviceRow]:
        reply = await self.calls.eval(LISTED, {"account": account, "token": token})
        return [row for value in reply for row in _rows(value)]

    async def end(self, account: str, token: str, number: int, reason: str) -> bool:
        order = codec.encode(EndDevice(number, reason))
        ended = {"account": account, "token": token, "number": number, "order": order}
        return bool(int(await self.calls.eval(END, ended)))
