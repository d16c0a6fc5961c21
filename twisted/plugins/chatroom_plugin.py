"""Makes ``twistd chatroom`` available; everything else is in ``chatroom.tap``."""

from twisted.application.service import ServiceMaker

chatroom = ServiceMaker(
    "chatroom",
    "chatroom.tap",
    "A multi-room chat server (line protocol; see docs/protocol.md).",
    "chatroom",
)
