"""The web door reads everyday frames itself and leaves every other frame to
wsproto (:mod:`chatroom.doors.web.frames`): whatever a client sends, cut
into reads wherever the network cuts it, the door hears the same messages
and answers the same bytes (pongs, closes and their codes) as wsproto alone
would."""

from __future__ import annotations

import os
import struct
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.testing import StringTransport
from twisted.trial import unittest
from wsproto import Connection, ConnectionType
from wsproto.connection import ConnectionState
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    TextMessage,
)

from chatroom.doors.web.frames import (
    frame_lines,
    unmask,
    whole_frames,
    wsproto_between_frames,
)
from chatroom.doors.web.socket import DoorWebSocket


def client_frame(
    opcode: int,
    payload: bytes,
    fin: bool = True,
    key: bytes = b"\x12\x34\x56\x78",
    masked: bool = True,
    long_length: bool = False,
) -> bytes:
    """A frame as a client sends it: masked with ``key``, its length in the
    shortest form unless ``long_length`` writes it in two bytes."""
    first = bytes([opcode | (0x80 if fin else 0)])
    mask_bit = 0x80 if masked else 0
    size = len(payload)
    if size < 126 and not long_length:
        head = first + bytes([mask_bit | size])
    elif size < 1 << 16:
        head = first + bytes([mask_bit | 126]) + struct.pack("!H", size)
    else:
        head = first + bytes([mask_bit | 127]) + struct.pack("!Q", size)
    if not masked:
        return head + payload
    return head + key + unmask(key, payload)


class Recorder(DoorWebSocket[Any]):
    """A door's WebSocket that writes down the messages it is handed."""

    __slots__ = ("heard",)

    def __init__(self) -> None:
        super().__init__(None)
        self.heard: list[str | bytes] = []
        self.makeConnection(StringTransport())

    def open_door(self, accepted: bytes) -> Any:
        raise AssertionError("a recorder reads frames; it opens no door")

    def textMessageReceived(self, message: str) -> None:
        self.heard.append(message)

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self.heard.append(bytes(data))


def wsproto_alone(reads: list[bytes]) -> tuple[list[str | bytes], bytes]:
    """What wsproto alone makes of ``reads``: the whole messages (fragments
    joined) and the bytes it answers (pongs, a close)."""
    connection = Connection(ConnectionType.SERVER)
    heard: list[str | bytes] = []
    answers = b""
    part: Any = None
    for data in reads:
        if connection.state is ConnectionState.CLOSED:
            break  # the door has closed the TCP connection: nothing more is read
        connection.receive_data(data)
        event: Event
        for event in connection.events():
            if isinstance(event, TextMessage | BytesMessage):
                part = event.data if part is None else part + event.data
                if event.message_finished:
                    heard.append(part if isinstance(part, str) else bytes(part))
                    part = None
            elif isinstance(event, Ping) or (
                isinstance(event, CloseConnection)
                and connection.state is not ConnectionState.CLOSED
            ):
                answers += connection.send(event.response())
    return heard, answers


def the_door(reads: list[bytes]) -> tuple[list[str | bytes], bytes]:
    door = Recorder()
    for data in reads:
        if door.transport.disconnecting:
            break
        door.dataReceived(data)
    return door.heard, door.transport.value()


#: Frames a client may send, everyday ones and every other kind.
some_text = st.text(max_size=300)
frames = st.one_of(
    st.builds(lambda text: client_frame(0x1, text.encode()), some_text),
    st.builds(lambda data: client_frame(0x2, data), st.binary(max_size=300)),
    st.builds(  # a message in two frames
        lambda text, cut: (
            client_frame(0x1, text.encode()[:cut], fin=False)
            + client_frame(0x0, text.encode()[cut:])
        ),
        some_text,
        st.integers(0, 40),
    ),
    st.builds(lambda data: client_frame(0x9, data), st.binary(max_size=125)),
    st.builds(
        lambda key: client_frame(0x1, b"hi", key=key), st.binary(min_size=4, max_size=4)
    ),
    st.just(client_frame(0x1, b"caf\xc3")),  # not UTF-8: 1007
    st.just(client_frame(0x1, b"hi", long_length=True)),  # not shortest: 1002
    st.just(client_frame(0x1, b"hi", masked=False)),  # unmasked: 1002
    st.just(client_frame(0x1, b"x" * 70000)),  # an 8-byte length
    st.just(client_frame(0x8, b"\x03\xe8")),  # close, 1000
)


class SameAsWsprotoTests(unittest.TestCase):
    @settings(max_examples=300, deadline=None)
    @given(st.lists(frames, max_size=8), st.lists(st.integers(0, 400), max_size=6))
    def test_any_frames_cut_anywhere_read_as_wsproto_reads_them(
        self, sent: list[bytes], cuts: list[int]
    ) -> None:
        """Any frames, cut into reads anywhere: the same messages, pongs and
        closes as wsproto alone."""
        data = b"".join(sent)
        points = sorted({min(cut, len(data)) for cut in cuts})
        reads = [
            data[start:end]
            for start, end in zip([0, *points], [*points, len(data)], strict=True)
            if end > start
        ]
        self.assertEqual(the_door(reads), wsproto_alone(reads))


class EverydayFramesTests(unittest.TestCase):
    def test_whole_text_frames_are_read_to_the_first_other_one(self) -> None:
        """Two whole text frames and a binary one are read; a ping after them
        is left, from its first byte."""
        head = client_frame(0x1, "café".encode()) + client_frame(0x1, b"x" * 200)
        head += client_frame(0x2, b"\x00\x01")
        ping = client_frame(0x9, b"?")
        messages, used = whole_frames(head + ping + client_frame(0x1, b"after"))
        self.assertEqual(messages, ["café", "x" * 200, b"\x00\x01"])
        self.assertEqual(used, len(head))

    def test_a_frame_cut_by_the_read_is_left_whole(self) -> None:
        data = client_frame(0x1, b"hello") + client_frame(0x1, b"there")
        self.assertEqual(whole_frames(data[:-1]), (["hello"], 11))

    def test_the_outgoing_frames_are_read_back(self) -> None:
        """What the server frames, unmasked, is what a client's frame
        carries once masked: the same payload either way."""
        line = "MSG tea bob t " + "é" * 100
        frame = frame_lines(line.encode() + b"\r\n")
        payload = frame[4:]  # a 2-byte length
        sent = client_frame(0x1, payload)
        self.assertEqual(whole_frames(sent), ([line], len(sent)))


class WsprotoBetweenFramesTests(unittest.TestCase):
    """The private wsproto state :func:`wsproto_between_frames` reads: a
    wsproto release that renames it fails here."""

    def test_half_a_frame_held(self) -> None:
        connection = Connection(ConnectionType.SERVER)
        self.assertTrue(wsproto_between_frames(connection))
        connection.receive_data(client_frame(0x1, b"hello")[:3])
        list(connection.events())
        self.assertFalse(wsproto_between_frames(connection))

    def test_a_frame_begun(self) -> None:
        connection = Connection(ConnectionType.SERVER)
        connection.receive_data(client_frame(0x1, os.urandom(300))[:100])
        list(connection.events())
        self.assertFalse(wsproto_between_frames(connection))

    def test_a_fragmented_message_open(self) -> None:
        connection = Connection(ConnectionType.SERVER)
        connection.receive_data(client_frame(0x1, b"hel", fin=False))
        list(connection.events())
        self.assertFalse(wsproto_between_frames(connection))
        connection.receive_data(client_frame(0x0, b"lo"))
        list(connection.events())
        self.assertTrue(wsproto_between_frames(connection))

    def test_a_closing_connection(self) -> None:
        connection = Connection(ConnectionType.SERVER)
        connection.receive_data(client_frame(0x8, b"\x03\xe8"))
        list(connection.events())
        self.assertFalse(wsproto_between_frames(connection))
