"""IRCv3 Strict Transport Security (https://ircv3.net/specs/extensions/sts).

While the door listens on a TLS port (an ``ssl:`` ``--irc``), ``CAP LS
302`` offers ``sts``: ``port=P`` on a plain connection, the upgrade
policy that sends the client to the TLS port P, and ``duration=N`` on a
TLS one, the persistence policy by which the client keeps to TLS for N
seconds (``--irc-sts-duration``). Each connection is told only the part
that counts on it. ``sts`` is not a row of
:data:`chatroom.doors.irc.caps.CAPABILITIES`: its value depends on the
connection, and a client never requests it (``CAP REQ sts`` is ``NAK``,
as the specification allows).

Whether a connection is TLS is its port's to say: each ``--irc`` port
listens with a :class:`~chatroom.doors.irc.protocol.IRCPort` of the door's
one :class:`~chatroom.doors.irc.protocol.IRCFactory`, which marks the
sessions it makes. The web page's ``/irc`` has no port, so no ``sts``: a browser
cannot switch to a raw TLS socket.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ``--irc-sts-duration``'s default: a TLS client is promised nothing past
#: its connection (plain clients are still sent to the TLS port each time),
#: so a server is never locked to TLS in its users' clients until its
#: operator chooses how long (as the specification advises).
DEFAULT_DURATION = 0


@dataclass(frozen=True)
class STSPolicy:
    """The door's policy, known once its TLS port listens."""

    #: The TLS port plain clients are sent to (``port=``).
    port: int
    #: Seconds a TLS client keeps to TLS (``duration=``).
    duration: int

    def value(self, secure: bool) -> str:
        """``duration=N`` on a TLS connection, ``port=P`` on a plain one."""
        return f"duration={self.duration}" if secure else f"port={self.port}"
