"""WebSocket frames on the data path, both ways, without wsproto's machinery.

wsproto does the whole protocol for the web door (the handshake, pings,
closes, fragments, every error and its close code), but it is written for
every case, and a chat's traffic is almost entirely one case: small whole
messages, one frame each.

- **Out:** server frames are unmasked and no extension is negotiated, so
  the frame of a line is the same bytes for every member.
  :func:`frame_lines` builds it once per event, and a room writes it to
  every member's send queue.
- **In:** each message a client sends is one final, masked text (or
  binary) frame, usually a whole one per read. Through wsproto such a frame
  costs a buffer copied twice, a generator's turn, two ``Frame`` objects, an
  incremental UTF-8 decoder and a ``TextMessage``: at the web door's
  ceiling that was about 15 % of the server's time, a cost the line door
  does not have. :func:`whole_frames` reads the frames of that one case at
  the start of a read and stops at the first that is anything else. The
  rest of the read (a ping, a close, a fragment, a frame cut by the read,
  text that is not UTF-8, a length written in more bytes than it needs)
  goes to wsproto, which answers it exactly as it always has.

The two never share a frame: bytes go to :func:`whole_frames` only while
wsproto holds nothing (:func:`wsproto_between_frames`), and it stops at a
frame's first byte, so wsproto always starts at one.
"""

from __future__ import annotations

import struct

from wsproto import Connection
from wsproto.connection import ConnectionState

TEXT_FRAME = 0x81  # FIN + opcode 1 (text)
BINARY_FRAME = 0x82  # FIN + opcode 2 (binary)

#: The longest payload a 2-byte length states; longer ones (8 bytes) are
#: wsproto's: messages that long are not the chat's everyday traffic.
_LONGEST_SHORT = 0xFFFF


def frame_lines(data: bytes, kind: int = TEXT_FRAME) -> bytes:
    """CRLF-terminated protocol lines → one unmasked frame per line, text
    frames unless ``kind`` says :data:`BINARY_FRAME`."""
    frames = []
    for line in data.split(b"\r\n")[:-1]:
        size = len(line)
        if size < 126:
            frames.append(bytes((kind, size)))
        elif size < 1 << 16:
            frames.append(struct.pack("!BBH", kind, 126, size))
        else:
            frames.append(struct.pack("!BBQ", kind, 127, size))
        frames.append(line)
    return b"".join(frames)


def unmask(key: bytes, payload: bytes) -> bytes:
    """``payload`` XORed with the 4-byte masking ``key``, as one big integer
    (the way wsproto's own masker does it, without its per-frame object)."""
    size = len(payload)
    repeated = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        size, "big"
    )


def whole_frames(data: bytes) -> tuple[list[str | bytes], int]:
    """The messages of the everyday frames at the start of ``data``, and
    where the first other frame starts (``len(data)`` when there is none).

    An everyday frame is a whole client frame (masked, as RFC 6455 requires)
    with FIN set, no reserved bit, opcode text or binary and a length of at
    most 65,535 in its shortest form. A text frame's message is its ``str``
    (the frame is not everyday if its payload is not UTF-8: wsproto closes
    with 1007); a binary frame's is its ``bytes``.
    """
    messages: list[str | bytes] = []
    start, end = 0, len(data)
    while start + 6 <= end:  # the shortest masked frame: 2 + 4 bytes
        first, second = data[start], data[start + 1]
        if (first != TEXT_FRAME and first != BINARY_FRAME) or second < 0x80:
            break  # control, fragment, reserved bits or unmasked: wsproto's
        size = second & 0x7F
        head = start + 2
        if size == 126:
            if head + 2 > end:
                break
            size = (data[head] << 8) | data[head + 1]
            if size < 126:
                break  # not its shortest form: a protocol error, wsproto's
            head += 2
        elif size == 127:
            break
        payload_start = head + 4
        payload_end = payload_start + size
        if payload_end > end:
            break  # cut by the read: wsproto waits for the rest
        payload = unmask(data[head:payload_start], data[payload_start:payload_end])
        if first == TEXT_FRAME:
            try:
                messages.append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                break
        else:
            messages.append(payload)
        start = payload_end
    return messages, start


def wsproto_between_frames(connection: Connection) -> bool:
    """Whether wsproto holds nothing of a frame or message (no bytes
    buffered, no frame begun, no fragmented message open) on an open
    connection, so the next byte read starts a frame that may be read
    without it. (wsproto's private names: ``tests/doors/web/test_ws_wire.py`` pins
    each, and a release that renames one fails there first.)"""
    if connection.state is not ConnectionState.OPEN:
        return False
    protocol = connection._proto
    decoder = protocol._frame_decoder
    return (
        decoder.header is None
        and not len(decoder.buffer)
        and protocol._message_decoder.opcode is None
    )
