"""The IRCv3 capabilities this door offers, as data, and ``CAP`` built from them.

Modelled on Ergo's ``irc/caps/defs.go``: one row per capability (its name,
its ``CAP LS 302`` value, whether it is a draft), so ``CAP LS``, ``CAP
REQ`` and the renderer's variants all read the same table and adding a
capability is one row here plus the code that honours it. Specifications:
https://ircv3.net/irc/ (capability negotiation, cap-notify, and each
capability's own page).

Besides the IRCv3 work's rows: ``away-notify``
(:func:`chatroom.doors.irc.presence.away`: the core's news of a user, shown
by :class:`chatroom.doors.irc.protocol.IRCProtocol` to the clients that
asked), ``extended-monitor`` (what ``away-notify``, ``account-notify`` and
``setname`` tell channel peers also reaches this node's IRC users who
``MONITOR`` the nick:
:meth:`chatroom.doors.irc.session.IRCSession.news_of`) and
``draft/account-registration`` with no value, or ``before-connect`` with
``--irc-register-before-connect`` (registering takes the nick as the
account's name, and no e-mail: :func:`chatroom.doors.irc.services.register`).

Which capabilities change how shared events are *rendered* is said here
too (:data:`RENDERING`): a session's variant is its enabled capabilities
among those, and :class:`chatroom.doors.irc.rendering.IRCRenderer` renders each
event once per variant in use, never once per member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatroom.core.accounts.scram import MECHANISM
from chatroom.core.policy import metadata_rule
from chatroom.doors.irc.wire import build
from chatroom.wire.pastes import MAX_BYTES, MAX_LINES

#: The most ``CHATHISTORY`` returns at once (``CHATHISTORY=`` in ``005``);
#: the shared side's page limit (``chatroom.core.policy.rules.HISTORY_PAGE_MAX``).
CHATHISTORY_LIMIT = 200
#: ``005`` tokens of the capabilities (draft/chathistory's).
ISUPPORT = (f"CHATHISTORY={CHATHISTORY_LIMIT}", "MSGREFTYPES=msgid,timestamp")

#: The most metadata keys one connection subscribes to (``draft/metadata-2``).
METADATA_SUBS = 10
#: ``draft/metadata-2``'s value in ``CAP LS 302``: ``METADATA`` before
#: the welcome, and the door's limits.
METADATA_LIMITS = (
    f"before-connect,max-subs={METADATA_SUBS},max-keys={metadata_rule.SESSION_KEYS},"
    f"max-value-bytes={metadata_rule.MAX_BYTES}"
)


@dataclass(frozen=True)
class Capability:
    """One row of the table: what ``CAP LS`` offers."""

    name: str
    #: The value ``CAP LS 302`` shows after ``=`` ("" for none).
    value: str = ""
    #: Still an IRCv3 draft (its name then starts ``draft/``).
    draft: bool = False


CAPABILITIES: tuple[Capability, ...] = (
    Capability("account-notify"),
    Capability("account-tag"),
    Capability("away-notify"),
    Capability("batch"),
    Capability("cap-notify"),
    Capability("draft/account-registration", draft=True),
    Capability("draft/channel-rename", draft=True),
    Capability("draft/chathistory", draft=True),
    Capability("draft/event-playback", draft=True),
    Capability("draft/extended-isupport", draft=True),
    Capability("draft/message-redaction", draft=True),
    Capability("draft/metadata-2", METADATA_LIMITS, draft=True),
    Capability("draft/metadata-3", METADATA_LIMITS, draft=True),
    Capability(
        "draft/multiline",
        f"max-bytes={MAX_BYTES},max-lines={MAX_LINES}",
        draft=True,
    ),
    Capability("draft/pre-away", draft=True),
    Capability("draft/read-marker", draft=True),
    Capability("draft/relaymsg", "/", draft=True),
    Capability("draft/webpush", draft=True),
    Capability("echo-message"),
    Capability("extended-join"),
    Capability("extended-monitor"),
    Capability("invite-notify"),
    Capability("labeled-response"),
    Capability("message-tags"),
    Capability("multi-prefix"),
    Capability("no-implicit-names"),
    Capability("sasl", f"PLAIN,{MECHANISM}"),
    Capability("server-time"),
    Capability("setname"),
    Capability("standard-replies"),
    Capability("userhost-in-names"),
)

BY_NAME = {cap.name: cap for cap in CAPABILITIES}

#: Profiles as ``METADATA`` (:mod:`chatroom.doors.irc.metadata`), under
#: both names the drafts go by: Ergo's ``draft/metadata-2``, and
#: ``draft/metadata-3``, the name irctest and the newer spec text ask for
#: (one behaviour: a client with either is told the same).
METADATA = frozenset({"draft/metadata-2", "draft/metadata-3"})


def has_metadata(caps: frozenset[str] | set[str]) -> bool:
    """Whether a client took ``METADATA``'s capability, by either name."""
    return not METADATA.isdisjoint(caps)


#: ``ISUPPORT`` before registration, and ``005`` in a ``draft/isupport`` batch.
EXTENDED_ISUPPORT = "draft/extended-isupport"
#: ``AWAY`` before registration (``AWAY *``: present for no one).
PRE_AWAY = "draft/pre-away"
#: ``RENAME`` of a channel (else ``PART`` and ``JOIN``: IRCSession.room_renamed).
CHANNEL_RENAME = "draft/channel-rename"
#: No ``353``/``366`` after the client's own ``JOIN``.
NO_IMPLICIT_NAMES = "no-implicit-names"

#: Capabilities that change how a shared event looks on the wire: the
#: renderer keeps one rendering per combination of these in use.
RENDERING = frozenset(
    {
        "server-time",
        "message-tags",
        "batch",
        "draft/multiline",
        "invite-notify",
        "draft/message-redaction",
        "account-tag",
        "account-notify",
        "extended-join",
        "draft/relaymsg",
    }
)

#: The first version of capability negotiation with values and cap-notify.
CAP_302 = 302
#: Room for capabilities on one ``CAP LS`` line, well inside 512 bytes.
_LS_BUDGET = 400


def version_of(params: tuple[str, ...]) -> int:
    """The version a ``CAP LS [version]`` names (301 when none is)."""
    given = params[1] if len(params) > 1 else ""
    return int(given) if given.isdigit() else 301


#: ``draft/account-registration``'s value when clients may register before
#: completing their connection (``--irc-register-before-connect``).
BEFORE_CONNECT = "before-connect"
#: Its value's word when a new account must verify an e-mail address
#: (``--require-email``).
EMAIL_REQUIRED = "email-required"


def offered(
    version: int,
    before_connect: bool = False,
    sts: str | None = None,
    email_required: bool = False,
    sasl: str = "",
    withheld: frozenset[str] = frozenset(),
) -> list[str]:
    """Each capability as ``CAP LS`` shows it to a client of ``version``
    (``before_connect``: ``draft/account-registration=before-connect``;
    ``email_required``: ``...=email-required``, both comma-separated;
    ``sts``: its value on this connection, offered to 302 clients only, as
    it means nothing without one; ``sasl``: the mechanisms, when they are
    not the table's; ``withheld``: capabilities this server does not
    offer, as :func:`withheld_by` names them)."""
    registration = ",".join(
        word
        for word, on in (
            (BEFORE_CONNECT, before_connect),
            (EMAIL_REQUIRED, email_required),
        )
        if on
    )
    shown = []
    for cap in CAPABILITIES:
        if cap.name in withheld:
            continue
        value = cap.value
        if registration and cap.name == "draft/account-registration":
            value = registration
        if sasl and cap.name == "sasl":
            value = sasl
        shown.append(
            f"{cap.name}={value}" if value and version >= CAP_302 else cap.name
        )
    if sts is not None and version >= CAP_302:
        shown.append(f"sts={sts}")
    return sorted(shown)


def cap_lines(
    server: str, nick: str, sub: str, words: Iterable[str], version: int
) -> bytes:
    """``CAP nick LS|LIST :words``, over several lines only for 302 clients.

    Version 302 continues a long reply with ``*`` before the list on every
    line but the last; older clients get one line, whatever its length
    (which our table keeps far under 512 bytes).
    """
    words = list(words)
    if version < CAP_302:
        return build(server, "CAP", nick, sub, " ".join(words))
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > _LS_BUDGET:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return b"".join(
        build(server, "CAP", nick, sub, "*", line)
        if index < len(lines) - 1
        else build(server, "CAP", nick, sub, line)
        for index, line in enumerate(lines)
    )


#: ``draft/account-registration``, not offered where ``--oidc-only`` makes
#: accounts only through the provider: a client seeing it would show a
#: registration form that can only fail.
ACCOUNT_REGISTRATION = "draft/account-registration"


def withheld_by(oidc_only: bool) -> frozenset[str]:
    """The capabilities a server with these options does not offer."""
    return frozenset({ACCOUNT_REGISTRATION}) if oidc_only else frozenset()


def requested(
    asked: str, withheld: frozenset[str] = frozenset()
) -> tuple[set[str], set[str]] | None:
    """A ``CAP REQ`` list as (to enable, to disable), or None if any
    capability in it is unknown or ``withheld`` (the whole request is then
    ``NAK``: "the server MUST NOT make any change to any capabilities")."""
    enable: set[str] = set()
    disable: set[str] = set()
    for word in asked.split():
        name = word[1:] if word.startswith("-") else word
        if name not in BY_NAME or name in withheld:
            return None
        (disable if word.startswith("-") else enable).add(name)
    if not enable and not disable:
        return None
    return enable, disable


#: A session's capabilities before any is enabled, shared by every session.
NO_CAPS: frozenset[str] = frozenset()
#: Each set of capabilities sessions enabled, kept once: clients of one
#: kind ask for the same ones, so their sessions share one frozenset
#: instead of holding one each (a set is about 200 bytes). Bounded, as
#: clients choose the sets.
_SHARED: dict[frozenset[str], frozenset[str]] = {NO_CAPS: NO_CAPS}
_SHARED_MOST = 256


def shared_caps(caps: frozenset[str]) -> frozenset[str]:
    """``caps``, or the equal set another session holds already."""
    shared = _SHARED.get(caps)
    if shared is not None:
        return shared
    if len(_SHARED) < _SHARED_MOST:
        _SHARED[caps] = caps
    return caps
