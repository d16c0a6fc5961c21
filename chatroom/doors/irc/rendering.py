"""Shared events as IRC lines: once per event for each variant in use.

An :class:`IRCRenderer` turns each :class:`chatroom.core.events.Event` into
IRC bytes with ``event.encoded(encoder)``, which caches the bytes on the
event per encoder: a message to a room of a thousand IRC members is
rendered once per *variant*, never once per member. A variant is a set of
the capabilities that change the bytes (:data:`chatroom.doors.irc.caps.RENDERING`):

- no capabilities: :attr:`IRCRenderer.render`, the plain lines (what every
  client got before IRCv3; clients without capabilities cost what they
  always did);
- ``server-time`` and ``message-tags``: the plain bytes with ``@time=``
  and ``@msgid=`` put in front (:class:`Variant`), so the text is rendered
  and split once and only the tags are added per variant;
- ``batch`` + ``draft/multiline``: a long message as one multiline batch
  instead of several lines;
- ``invite-notify``: an invitation in a room as ``INVITE`` (others get nothing);
- ``account-tag``: ``@account=`` on what a signed-in user does (live: a
  replay's messages carry none, their author's account then is not kept);
  ``extended-join``: ``JOIN #chan account :realname``; ``account-notify``:
  ``ACCOUNT name`` when a user in the channel signs in or out (others get
  nothing). The accounts are the core's (:meth:`Registry.account_named`),
  the realnames the door's own users' (others': their nick).

Nothing leaves over 512 bytes before its tags: a message whose text does
not fit is split at word boundaries (:func:`chatroom.doors.irc.tags.split_text`)
into several ``PRIVMSG``, the same split for every variant.

``msgid`` is the id of a stored room message, the one the line door shows
with ``/caps ids`` (per room; ``CHATHISTORY`` names its room). A private
message, which is not stored, gets a digest of its sender, recipient,
time and text, the same for every variant of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import count
from typing import NamedTuple

from twisted.internet.interfaces import IReactorTime

from chatroom.core import multiline
from chatroom.core.events import Encoder, Event
from chatroom.core.fanout import ADDRESSED_EVENTS
from chatroom.doors.irc.caps import RENDERING
from chatroom.doors.irc.chanmodes import setting_mode
from chatroom.doors.irc.statusmsg import operator_lines
from chatroom.doors.irc.tags import (
    actor_of,
    add_tags,
    is_notice,
    lines_of,
    relayed_tags,
    split_text,
    text_room,
)
from chatroom.doors.irc.wire import (
    LEFT_BECAUSE,
    X_DELIM,
    build,
    build_words,
    channel,
    hostmask,
    irc_mask,
    is_quit,
)
from chatroom.wire.lines import format_time
from chatroom.wire.tags import tag_section

#: Shared events IRC clients with ``message-tags`` get as a ``TAGMSG``.
TAG_EVENTS = frozenset({"REACT", "UNREACT", "TYPING"})
#: Member modes: the events that give or take them, as IRC shows them.
_MEMBER_MODES = {"OP": "+o", "DEOP": "-o", "VOICE": "+v", "DEVOICE": "-v"}
#: Events whose third field is the time they were said (a stored message,
#: its history form, or a private message).
_STAMPED = frozenset({"MSG", "ACTION", "PRIVMSG", "HISTORY", "HISTORY_ACTION"})
_HISTORY = frozenset({"HISTORY", "HISTORY_ACTION"})
#: Events that carry their own time: those above, and a stored topic change.
_TIMED = _STAMPED | {"HISTORY_TOPIC"}
_CONCAT = "draft/multiline-concat"


def _nobody(name: str) -> str:
    return ""


def _own_nick(name: str) -> str:
    return name


class Said(NamedTuple):
    """A message as IRC lines say it: who, which command, to whom, the
    text in pieces that fit a line each, and whether it is a CTCP ACTION."""

    source: str
    command: str
    target: str
    pieces: list[str]
    action: bool


def clock_text(stamp: str) -> str:
    """``2026-11-21T18:04:05.123Z`` → ``18:04`` (replay without server-time)."""
    return stamp[11:16] if len(stamp) >= 16 else stamp


class IRCRenderer:
    """The IRC form of shared events, for one server (its name is the source
    of server lines and the host of every user).

    ``render`` is bound once, so that every session of the door hands the
    same callable to :meth:`Event.encoded`, which caches per callable;
    :meth:`encoder` gives each variant its own such callable.
    """

    def __init__(
        self,
        server_name: str,
        clock: IReactorTime,
        accounts: Callable[[str], str] = _nobody,
        realnames: Callable[[str], str] = _own_nick,
    ) -> None:
        """Args:
        accounts: a user's account name by their nick ("" for none).
        realnames: a user's realname by their nick (``extended-join``).
        """
        self.server = server_name
        self.clock = clock
        self.accounts = accounts
        self.realnames = realnames
        self.render: Encoder = self._render
        #: Plain lines, history as the original messages (server-time).
        self.as_said: Encoder = self._as_said
        self._variants: dict[frozenset[str], Encoder] = {frozenset(): self.render}
        self._batches = count(1)

    def encoder(self, caps: frozenset[str]) -> Encoder:
        """The encoder for a session with capabilities ``caps``: one per
        combination in use, shared by every session with it."""
        key = caps & RENDERING
        if "batch" not in key:
            key -= {"draft/multiline"}
        if not key & {"server-time", "message-tags", "draft/multiline"}:
            key -= {"batch"}  # batch alone changes no event's bytes
        try:
            return self._variants[key]
        except KeyError:
            variant = self._variants[key] = Variant(self, key)
            return variant

    def batch_ref(self) -> str:
        """A fresh batch reference, unique for as long as this server runs."""
        return f"b{next(self._batches)}"

    def fresh_msgid(self) -> str:
        """A ``msgid`` for what the door relays by itself (``TAGMSG``)."""
        return f"t{next(self._batches)}"

    def source(self, nick: str) -> str:
        return hostmask(nick, self.server)

    def account(self, event: Event) -> str:
        """The account of the user who did ``event`` ("" for none, or for a
        stored message replayed: who holds its author's nick now may not
        be its author)."""
        actor = actor_of(event)
        return self.accounts(actor) if actor else ""

    def extended_join(self, event: Event) -> bytes:
        """``JOIN #chan account :realname`` (``*`` for no account)."""
        room, user = event.fields
        account = self.account(event) or "*"
        return build(
            self.source(user), "JOIN", channel(room), account, self.realnames(user)
        )

    def personal_tags(self, event: Event, caps: frozenset[str]) -> dict[str, str]:
        """``time`` and ``account`` for an event rendered for one member
        (:meth:`personal`), as ``caps`` asks."""
        tags = {"time": self.now()} if "server-time" in caps else {}
        account = self.account(event) if "account-tag" in caps else ""
        if account:
            tags["account"] = account
        return tags

    def now(self) -> str:
        return format_time(self.clock.seconds())

    def timed(self, data: bytes) -> bytes:
        """``data``'s lines with ``@time=`` now (server-time), for what is
        rendered for one member only (a kick, an invitation to them)."""
        tag = tag_section({"time": self.now()})
        return b"".join(add_tags(line, tag) for line in lines_of(data))

    # -- messages, split to fit ---------------------------------------------------

    def said(self, event: Event, clocked: bool) -> Said:
        """A message event as IRC says it: room messages to their channel,
        private ones to their recipient, as ``NOTICE`` if they were one,
        history as the message it was (``clocked``: with ``[18:04]`` in
        front, for clients that cannot be told its time)."""
        name, fields, text = event.name, event.fields, event.text
        action = name in ("ACTION", "HISTORY_ACTION")
        command = "NOTICE" if is_notice(event) else "PRIVMSG"
        if name == "PRIVMSG":
            target = fields[1]
        else:
            target = channel(fields[0])
            if clocked and name in _HISTORY:
                text = f"[{clock_text(fields[2])}] {text}"
        source = self.source(fields[0] if name == "PRIVMSG" else fields[1])
        room = text_room(f":{source} {command} {target} :", 9 if action else 0)
        lines = multiline.lines_of(event) if event.tags else None
        if lines is None:
            pieces = split_text(text, room)
        else:  # one PRIVMSG (or several, if long) per line said
            said = multiline.fallback_lines(lines)
            pieces = [piece for line in said for piece in split_text(line, room)]
        return Said(source, command, target, pieces, action)

    def _message_lines(self, event: Event, clocked: bool) -> bytes:
        source, command, target, pieces, action = self.said(event, clocked)
        if action:
            pieces = [f"{X_DELIM}ACTION {piece}{X_DELIM}" for piece in pieces]
        return b"".join(build(source, command, target, piece) for piece in pieces)

    def _as_said(self, event: Event) -> bytes:
        if event.name in _STAMPED:
            return self._message_lines(event, clocked=False)
        return event.encoded(self.render)

    # -- the plain rendering -------------------------------------------------------

    def _render(self, event: Event) -> bytes:
        name, fields, text = event.name, event.fields, event.text
        if name in _STAMPED:
            return self._message_lines(event, clocked=True)
        if name == "EDIT":  # the bridges' convention: a new message, "* text"
            room, _target, user, stamp = fields
            edited = Event("MSG", (room, user, stamp), "* " + text)
            return self._message_lines(edited, clocked=True)
        if name in ADDRESSED_EVENTS:  # to a room's operators (STATUSMSG)
            return operator_lines(event, self.source)
        if name == "JOIN":
            return build(self.source(fields[1]), "JOIN", channel(fields[0]))
        if name == "PART":
            return self.departure(fields[0], fields[1], text)
        if name == "NICK":
            return build(self.source(fields[0]), "NICK", fields[1])
        if name in ("TOPIC", "HISTORY_TOPIC"):  # live, or played back
            return build(self.source(fields[1]), "TOPIC", channel(fields[0]), text)
        if name == "OWNER":
            return build(self.server, "MODE", channel(fields[0]), "+o", fields[1])
        if name == "KICK":
            room, user, by = fields
            return build(self.source(by), "KICK", channel(room), user, text)
        if name in ("OP", "DEOP", "VOICE", "DEVOICE"):
            room, user, by = fields
            sign = _MEMBER_MODES[name]
            return build(self.source(by), "MODE", channel(room), sign, user)
        if name in ("BAN", "UNBAN"):
            room, mask, by = fields
            sign = "+b" if name == "BAN" else "-b"
            return build(self.source(by), "MODE", channel(room), sign, irc_mask(mask))
        if name == "SET":
            return self._setting(*fields)
        if name in ("INVITE", "ACCOUNT"):  # only for some capabilities (Variant)
            return b""
        if name == "DELETED":
            notice = f"{fields[1]} deleted the room"
            return build(self.server, "NOTICE", channel(fields[0]), notice)
        if name == "NOTICE":
            return self._notice(channel(fields[0]), text)
        if name == "REDACT":  # without draft/message-redaction: say it in words
            room, _target, by = fields
            said = f"{by} deleted a message" + ("" if text == "-" else f": {text}")
            return self._notice(channel(room), said)
        # An event this door does not know yet: say so rather than drop it.
        where = channel(fields[0]) if fields else "*"
        return self._notice(where, " ".join((name, *fields, text)))

    def departure(self, room: str, user: str, reason: str) -> bytes:
        """``PART`` for leaving one room, ``QUIT`` for leaving the server.

        The shared side says ``PART`` either way; its reason tells them
        apart (docs/protocol.md): ``left``, ``left: <words>`` or ``left for
        <room>`` is leaving the room, anything else (``quit: ...``,
        ``connection lost``, ``ping timeout``, ``killed by ...``) is the
        session ending, which IRC users expect as one ``QUIT`` (the
        protocol passes on the first of the ``PART`` lines a quit makes in
        the rooms it shares).
        """
        if not is_quit(reason):
            if reason.startswith(LEFT_BECAUSE):
                reason = reason[len(LEFT_BECAUSE) :]
            return build(self.source(user), "PART", channel(room), reason)
        if reason.startswith("quit: "):
            reason = "Quit: " + reason[len("quit: ") :]
        return build(self.source(user), "QUIT", reason)

    def _notice(self, target: str, text: str) -> bytes:
        room = text_room(f":{self.server} NOTICE {target} :")
        return b"".join(
            build(self.server, "NOTICE", target, piece)
            for piece in split_text(text, room)
        )

    def _setting(self, room: str, setting: str, value: str, by: str) -> bytes:
        """``/set`` as the mode it is (:func:`setting_mode`); ``keep`` has
        no mode, so it is a notice."""
        params = setting_mode(setting, value)
        if params is None:
            notice = f"{by} set {setting} {value}"
            return build(self.server, "NOTICE", channel(room), notice)
        return build(self.source(by), "MODE", channel(room), *params)

    def personal(self, event: Event, nick: str) -> bytes | None:
        """Events for one user that IRC addresses to their nick: being
        kicked (``KICK #room nick``), invited (``INVITE nick #room``), and
        an admin's announcement (a server ``NOTICE``). None for the rest,
        which render once for everyone (:meth:`render`)."""
        name, fields = event.name, event.fields
        if name == "KICKED":
            room, by = fields
            return build(self.source(by), "KICK", channel(room), nick, event.text)
        if name == "INVITED":
            room, by = fields
            return build(self.source(by), "INVITE", nick, channel(room))
        if name == "ANNOUNCE":
            text = f"[announcement from {fields[0]}] {event.text}"
            return self._notice(nick, text)
        return None

    # -- tags -----------------------------------------------------------------------

    def msgid(self, event: Event) -> str:
        """The event's ``msgid``: its stored room id, or for a private message
        (whose id, if kept, counts in its conversation, not a room) a digest
        that is the same in every variant ("" for other events)."""
        if event.name != "PRIVMSG":
            return event.id
        said = "\0".join((*event.fields, event.text)).encode("utf-8")
        return "p" + hashlib.blake2b(said, digest_size=9).hexdigest()

    def redaction(self, event: Event) -> bytes:
        """``REDACT`` as ``draft/message-redaction`` says it: ``:by REDACT
        #room msgid [:reason]`` (no reason when none was given)."""
        room, target, by = event.fields
        if event.text == "-":
            return build_words(self.source(by), "REDACT", channel(room), target)
        return build(self.source(by), "REDACT", channel(room), target, event.text)


class Variant:
    """The encoder of one combination of rendering capabilities."""

    __slots__ = ("accounted", "caps", "multiline", "renderer", "tagged", "timed")

    def __init__(self, renderer: IRCRenderer, caps: frozenset[str]) -> None:
        self.renderer = renderer
        self.caps = caps
        self.timed = "server-time" in caps
        self.tagged = "message-tags" in caps
        self.multiline = "draft/multiline" in caps
        self.accounted = "account-tag" in caps

    def __repr__(self) -> str:
        return f"<Variant {' '.join(sorted(self.caps))}>"

    def __call__(self, event: Event) -> bytes:
        renderer = self.renderer
        name = event.name
        if name == "INVITE" and "invite-notify" in self.caps:
            room, user, by = event.fields
            base = build(renderer.source(by), "INVITE", user, channel(room))
        elif name == "REDACT" and "draft/message-redaction" in self.caps:
            base = event.encoded(renderer.redaction)
        elif name == "JOIN" and "extended-join" in self.caps:
            base = event.encoded(renderer.extended_join)
        elif name == "ACCOUNT" and "account-notify" in self.caps:
            _room, user, account = event.fields
            base = build_words(renderer.source(user), "ACCOUNT", account)
        elif name in TAG_EVENTS:  # only message-tags clients get them
            return self._tag_event(event)
        elif name == "EDIT" and self.tagged:
            return self._answer(event, event.fields[1])
        elif self.timed and name in _HISTORY:
            base = event.encoded(renderer.as_said)
        else:
            base = event.encoded(renderer.render)
        if not base:
            return base  # nothing for IRC clients (an invitation, unasked)
        tags = self.tags(event)
        lines = multiline.lines_of(event) if event.tags else None
        split = lines is not None or base.count(b"\r\n") > 1
        if split and self.multiline and name in ("MSG", "PRIVMSG", "HISTORY"):
            return self._multiline(event, tags, lines)
        if not tags:
            return base
        first, *rest = lines_of(base)
        later = tag_section({k: v for k, v in tags.items() if k != "msgid"})
        return add_tags(first, tag_section(tags)) + b"".join(
            add_tags(line, later) for line in rest
        )

    def _tag_event(self, event: Event) -> bytes:
        """A reaction or a typing notice as the ``TAGMSG`` IRC clients send:
        ``+draft/react`` (``+draft/unreact``) and ``+draft/reply`` naming
        the message, or ``+typing``."""
        if event.name == "TYPING":
            room, user, state = event.fields
            said = {"+typing": state}
        else:
            room, target, user, reaction = event.fields
            key = "+draft/react" if event.name == "REACT" else "+draft/unreact"
            said = {"+draft/reply": target, key: reaction}
        line = build_words(self.renderer.source(user), "TAGMSG", channel(room))
        return add_tags(line, tag_section({**self.tags(event), **said}))

    def _answer(self, event: Event, target: str) -> bytes:
        """A message answering message ``target`` (an edit's ``* text``):
        ``+draft/reply`` on its first line, with its ``time`` and ``msgid``."""
        tags = {**self.tags(event), "+draft/reply": target}
        first, *rest = lines_of(event.encoded(self.renderer.render))
        later = tag_section({k: v for k, v in tags.items() if k == "time"})
        return add_tags(first, tag_section(tags)) + b"".join(
            add_tags(line, later) for line in rest
        )

    def tags(self, event: Event) -> dict[str, str]:
        """``time``, ``account`` and ``msgid`` as this variant shows them."""
        tags: dict[str, str] = {}
        if self.timed:
            fields = event.fields
            if event.name in _TIMED and len(fields) > 2:
                tags["time"] = fields[2]
            else:  # a stored topic change says its time in its tags
                tags["time"] = dict(event.tags).get("time") or self.renderer.now()
        if self.accounted:
            account = self.renderer.account(event)
            if account:
                tags["account"] = account
        if self.tagged:
            msgid = self.renderer.msgid(event)
            if msgid:
                tags["msgid"] = msgid
            if event.tags:
                tags.update(relayed_tags(event))
        return tags

    def _multiline(
        self,
        event: Event,
        tags: dict[str, str],
        lines: list[multiline.Line] | None,
    ) -> bytes:
        """A long or multiline message as one ``draft/multiline`` batch, the
        batch carrying the message's tags: a client's lines as it sent them
        (blank ones too), each cut to fit if it must, the pieces of one line
        joined with ``draft/multiline-concat``."""
        renderer = self.renderer
        said = renderer.said(event, clocked=not self.timed)
        source, command, target = said.source, said.command, said.target
        if lines is None:
            marked = [(piece, index > 0) for index, piece in enumerate(said.pieces)]
        else:
            room = text_room(f":{source} {command} {target} :")
            marked = [
                (piece, glued or index > 0)
                for text, glued in lines
                for index, piece in enumerate(split_text(text, room) if text else [""])
            ]
        ref = renderer.batch_ref()
        opening = build_words(
            renderer.server, "BATCH", f"+{ref}", "draft/multiline", target
        )
        out = [add_tags(opening, tag_section(tags))]
        for piece, glued in marked:
            inner = {"batch": ref, _CONCAT: ""} if glued else {"batch": ref}
            out.append(
                add_tags(build(source, command, target, piece), tag_section(inner))
            )
        out.append(build_words(renderer.server, "BATCH", f"-{ref}"))
        return b"".join(out)
