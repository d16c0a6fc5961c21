"""Registration: ``CAP``, ``NICK`` and ``USER``, and claiming the nick.

Registration completes when the client has given a ``NICK`` and a
``USER`` and ended any ``CAP`` negotiation: the session signs in first if
the client gave ``PASS`` (:mod:`chatroom.doors.irc.signin`; SASL signed in
already), then claims the nick for that account, and the welcome
(``001``-``005``, the MOTD) follows.
"""

from __future__ import annotations

import sys

from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.doors.irc import bouncer, caps, positions, sasl, signin
from chatroom.doors.irc.commands import join_invited
from chatroom.doors.irc.metadata import apply_before_connect, own_burst
from chatroom.doors.irc.replay import in_batch
from chatroom.doors.irc.session import REGISTERED, REGISTERING, IRCSession
from chatroom.doors.irc.webpush import vapid_token
from chatroom.doors.irc.wire import ERR_INVALIDCAPCMD, build, isupport, need

#: Tokens per ``005`` line: Modern allows 15 parameters in all.
ISUPPORT_PER_LINE = 12


# -- NICK and USER ---------------------------------------------------------------


async def user(session: IRCSession, params: tuple[str, ...]) -> None:
    if session.state == REGISTERED:
        session.numeric(irc.ERR_ALREADYREGISTRED, "You may not reregister")
        return
    need(params, 4)
    # Interned: clients of one kind often give the same (``u``, ``realname``).
    session.user, session.realname = sys.intern(params[0]), sys.intern(params[3])
    await try_register(session)


async def nick(session: IRCSession, params: tuple[str, ...]) -> None:
    if not params or not params[0]:
        session.numeric(irc.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    wanted = params[0]
    if session.state != REGISTERED:
        session.wanted = wanted
        await try_register(session)
        return
    if wanted == session.name:
        return
    # the core tells us our NICK, once, as it tells our channels; the
    # presence under the new nick goes with the claim
    presence = session.presence(wanted, session.signed_on)
    try:
        await session.registry.claim_name(session.member, wanted, presence=presence)
    except ChatError as refused:
        session.refuse(refused, "NICK", wanted)
        return
    await session.renamed(wanted, shared=True)


# -- capability negotiation ----------------------------------------------------


async def cap(session: IRCSession, params: tuple[str, ...]) -> None:
    """Capability negotiation (https://ircv3.net/specs/extensions/capability-negotiation),
    offering :data:`chatroom.doors.irc.caps.CAPABILITIES`; registration
    waits for ``CAP END`` once ``LS`` or ``REQ`` was sent before it."""
    sub = params[0].upper()
    registering = session.state == REGISTERING
    if sub in ("LS", "REQ") and registering:
        session.capping = True
    if sub == "LS":
        version = caps.version_of(params)
        if version >= caps.CAP_302 and version > session.cap_version:
            session.cap_version = version
            session.set_caps(session.caps | {"cap-notify"})  # implied by 302
        sts = session.port.sts() if session.port is not None else None
        before_connect = session.config.irc_register_before_connect
        email_required = session.config.require_email
        mechanisms = ",".join(sasl.mechanisms(session))
        withheld = caps.withheld_by(session.config.oidc_only)
        shown = caps.offered(
            version, before_connect, sts, email_required, mechanisms, withheld
        )
        session.send(caps.cap_lines(session.me, session.nick, "LS", shown, version))
    elif sub == "LIST":
        enabled = sorted(session.caps)
        session.send(
            caps.cap_lines(
                session.me, session.nick, "LIST", enabled, session.cap_version
            )
        )
    elif sub == "REQ":
        asked = params[1] if len(params) > 1 else ""
        change = caps.requested(asked, caps.withheld_by(session.config.oidc_only))
        if change is None:
            session.send(build(session.me, "CAP", session.nick, "NAK", asked))
            return
        enable, disable = change
        session.set_caps((session.caps | enable) - disable)
        session.send(build(session.me, "CAP", session.nick, "ACK", asked))
    elif sub == "END":
        if registering:
            session.capping = False
            await try_register(session)
    else:
        session.numeric(ERR_INVALIDCAPCMD, params[0], "Invalid CAP command")


# -- claiming the nick -----------------------------------------------------------


async def try_register(session: IRCSession) -> None:
    """With a NICK and a USER (and CAP negotiation over), claim the nick."""
    if session.state != REGISTERING or session.capping:
        return
    if session.wanted is None or session.user is None:
        return
    wanted = session.wanted
    pending = session.signing_in
    assert pending is not None
    if not signin.check_server_password(session):
        return
    if not await signin.check_password(session, wanted):
        return
    # the presence goes with the claim, in its round trip: the other nodes'
    # WHO and WHOIS read it before the welcome (share_presence's docstring)
    signed_on = session.now
    claimed = name_key(wanted) != pending.claimed  # else REGISTER took it already
    try:
        session.connection.verdict.check_name(pending.account)  # --dnsbl
        if claimed:
            await session.registry.claim_name(
                session.member,
                wanted,
                pending.account or None,
                presence=session.presence(wanted, signed_on),
            )
    except ChatError as refused:
        session.wanted = None
        if refused.code in signin.TURNED_AWAY:
            signin.turn_away(session, refused)
        else:  # 432, or 433 (taken, registered): the client picks another
            session.refuse(refused, "NICK", wanted)
        return
    counted = session.register(wanted, signed_on)  # counted on every node first
    if not (session.still_open if claimed else await session.share_presence()):
        return
    await counted
    bouncer.share_stamps(session, pending.account)
    session.log.info("{host} is IRC user {user}", host=session.host, user=wanted)
    await apply_before_connect(session)
    welcome(session, await own_burst(session))
    signin.logged_in(session, pending)
    if session.registry.accounts.is_admin(pending.account):
        session.numeric(irc.RPL_YOUREOPER, "You are a server admin (--admins)")
    # its choices, and where each room's replay starts (chatroom.doors.irc.positions)
    sent = await positions.load(session, pending.account) if pending.account else None
    # private messages kept while the account was away, with their time; then
    # the account's rooms, each caught up from its position
    await session.registry.messages.deliver_kept(session.member, sent)
    # the room of an invitation redeemed for a REGISTER before the welcome
    await join_invited(session)


#: The ``005`` tokens that say where uploads go: the draft's name, and
#: soju's, which soju, senpai and goguma read.
FILEHOST_TOKENS = ("draft/FILEHOST", "soju.im/FILEHOST")


def file_host(session: IRCSession) -> list[str]:
    """``draft/FILEHOST=<upload URL>`` and ``soju.im/FILEHOST=`` the same,
    while uploads are on (``--files``): clients upload there as soju's do
    (HTTP Basic with the account's name and password, or a bearer token)."""
    files = session.registry.files
    if files is None or not files.upload_url:
        return []
    return [f"{token}={files.upload_url}" for token in FILEHOST_TOKENS]


def isupport_reply(session: IRCSession) -> bytes:
    """The ``005`` lines, inside a ``draft/isupport`` batch for a client
    with ``batch`` and ``draft/extended-isupport`` (which then must get no
    ``005`` outside one)."""
    tokens = (
        isupport(session.config.name)
        + list(caps.ISUPPORT)
        + file_host(session)
        + vapid_token(session)
    )
    data = b"".join(
        build(
            session.me,
            irc.RPL_ISUPPORT,
            session.nick,
            *tokens[start : start + ISUPPORT_PER_LINE],
            "are supported by this server",
        )
        for start in range(0, len(tokens), ISUPPORT_PER_LINE)
    )
    if {"batch", caps.EXTENDED_ISUPPORT} <= session.caps:
        return in_batch(session.renderer, "draft/isupport", (), data)
    return data


async def isupport_command(session: IRCSession, params: tuple[str, ...]) -> None:
    """``ISUPPORT`` (draft/extended-isupport): the ``005`` lines again, and
    before registration completes too once the client enabled the
    capability (so it can read ``NETWORK``, ``CHANTYPES``... before
    choosing a nick); without it, a registering client is ``451``."""
    if session.state == REGISTERING and caps.EXTENDED_ISUPPORT not in session.caps:
        session.refuse(errors.no_name(), "ISUPPORT", "*")
        return
    session.send(isupport_reply(session))


def welcome(session: IRCSession, metadata: bytes = b"") -> None:
    """001-005, the client's own ``metadata`` batch (``draft/metadata-2``:
    :func:`~chatroom.doors.irc.metadata.own_burst`) and the MOTD, once the
    nick is ours."""
    name, nick = session.config.name, session.nick
    session.numeric(irc.RPL_WELCOME, f"Welcome to {name}, {session.source}")
    session.numeric(irc.RPL_YOURHOST, f"Your host is {session.me}, running chatroom")
    session.numeric(irc.RPL_CREATED, "This server speaks IRC and chatroom's protocol")
    session.send(
        build(
            session.me, irc.RPL_MYINFO, nick, session.me, "chatroom", "iow", "biklnot"
        )
    )
    session.send(isupport_reply(session))
    if metadata:
        session.send(metadata)
    session.numeric(irc.RPL_MOTDSTART, f"- {session.me} Message of the day -")
    for line in motd(session.config.motd, name):
        session.numeric(irc.RPL_MOTD, line)
    session.numeric(irc.RPL_ENDOFMOTD, "End of /MOTD command.")


def motd(given: tuple[str, ...] | None, name: str) -> tuple[str, ...]:
    """The MOTD's 372 lines: the operator's (``--motd``), each after ``- ``
    as ircds send them, or the built-in one."""
    if given is not None:
        return tuple(f"- {line}" for line in given)
    return (
        f"- Rooms of {name} are channels here: the room tea is #tea.",
        "- /list shows them; /join #name enters one, creating it if needed.",
        "- Users of the line protocol and the web client are in the same rooms.",
    )
