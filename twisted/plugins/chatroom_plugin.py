"""Makes ``twistd chatroom`` available; the rest is in ``chatroom.wiring.tap``."""

from twisted.application.service import ServiceMaker

chatroom = ServiceMaker(
    "chatroom",
    "chatroom.wiring.tap",
    "A multi-room chat server (line protocol; see docs/protocol.md).",
    "chatroom",
)
