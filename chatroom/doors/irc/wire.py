"""IRC lines: parsing what clients send, building what they get, and
refusals as numerics.

Numerics come from :mod:`twisted.words.protocols.irc` where it has them
(``RPL_WELCOME``...); the few it lacks (``417``, the SASL ones) are defined here
with the names modern.ircdocs.horse gives them.

Parsing is our own few lines rather than ``irc.parsemsg``: that raises
``ValueError`` on a line that is only ``:prefix`` and keeps a tag section
as part of the command, and a malformed line from a client must be an
error reply, never a traceback. Messages follow the modern client protocol:
optional ``@tags`` (kept, unescaped, in :attr:`ClientLine.tags`), optional
``:prefix`` (ignored: a client's prefix is never trusted), the command,
then parameters, the last of which may follow a ``:`` and contain spaces.

Shared events become IRC in :mod:`chatroom.doors.irc.rendering`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import (
    NAME_MAX_LENGTH,
    TOPIC_MAX_LENGTH,
    without_control_characters,
)
from chatroom.core.policy.rules import ROOMS_PER_USER
from chatroom.doors.irc.tags import MAX_LINE
from chatroom.wire.tags import parse_tags
from chatroom.wire.waiting import not_yet_words

# Numerics twisted.words does not name (modern.ircdocs.horse's names).
ERR_INPUTTOOLONG = "417"
ERR_INVALIDCAPCMD = "410"
ERR_INVALIDMODEPARAM = "696"
RPL_LOGGEDIN = "900"
RPL_SASLSUCCESS = "903"
ERR_SASLFAIL = "904"
RPL_SASLMECHS = "908"
RPL_WHOISACCOUNT = "330"
RPL_TOPICWHOTIME = "333"
RPL_CREATIONTIME = "329"
RPL_WHOISBOT = "335"
RPL_MONONLINE = "730"
RPL_MONOFFLINE = "731"
RPL_MONLIST = "732"
RPL_ENDOFMONLIST = "733"
ERR_MONLISTFULL = "734"

#: IRC commands whose ``BAD_ARGS`` refusals (but the door's own ``461``)
#: come from the core's rules, moderation's ("bob is already an operator
#: of tea") or a topic's length: a notice carrying the text, not ``461``
#: ("Not enough parameters"), which would misdescribe them.
WORDED_COMMANDS = frozenset(
    {
        "MODE",
        "KICK",
        "INVITE",
        "KILL",
        "GBAN",
        "GUNBAN",
        "UBAN",
        "ANNOUNCE",
        "TOPIC",
        "SILENCE",
        "REPORT",
    }
)
#: Server admins' commands: a refusal is ``481`` (no privileges), not ``482``.
ADMIN_COMMANDS = frozenset(
    {
        "KILL",
        "GBAN",
        "GUNBAN",
        "GBANS",
        "UBAN",
        "LOCKDOWN",
        "ANNOUNCE",
        "WALLOPS",
        "REHASH",
    }
)
#: What :func:`need` says, the one real ``461``.
NOT_ENOUGH_PARAMETERS = "Not enough parameters"

#: Longest text we put after the fixed part of a reply before splitting
#: (``NAMES``): comfortably inside 512 bytes with a 32-character nick.
_REPLY_BUDGET = 400

CHANNEL_PREFIX = "#"
X_DELIM = irc.X_DELIM


#: The tags of a line without any, shared: a session keeps its last
#: command's tags, and most lines have none.
NO_TAGS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ClientLine:
    """One client line: its command (upper case) and its parameters."""

    command: str
    params: tuple[str, ...]
    #: Its IRCv3 tags (``@label=1;+draft/react=x``), unescaped.
    tags: Mapping[str, str] = field(default_factory=lambda: NO_TAGS)


def parse(line: str) -> ClientLine | None:
    """Split one IRC line; None for a line with no command (ignored)."""
    rest = line.lstrip(" ")  # trailing spaces may be part of the last parameter
    tags: Mapping[str, str] = NO_TAGS
    if rest.startswith("@"):  # message tags (IRCv3)
        section, _, rest = rest.partition(" ")
        tags = parse_tags(section[1:])
        rest = rest.lstrip(" ")
    if rest.startswith(":"):  # a client's own prefix means nothing
        _, _, rest = rest.partition(" ")
        rest = rest.lstrip(" ")
    middle, colon, trailing = rest.partition(" :")
    if rest.startswith(":"):  # only a trailing parameter, no command
        return None
    words = middle.split()
    if not words:
        return None
    params = words[1:]
    if colon:
        params.append(trailing)
    return ClientLine(words[0].upper(), tuple(params), tags)


def need(params: tuple[str, ...], count: int) -> None:
    """``461`` unless at least ``count`` parameters were given."""
    if len(params) < count or not all(params[:count]):
        raise errors.bad_args(NOT_ENOUGH_PARAMETERS)


def build(source: str, command: str, *params: str) -> bytes:
    """``:source COMMAND p1 p2 :last`` with CRLF, as UTF-8.

    The last parameter always gets its ``:``, so it may hold spaces or be
    empty; the others must be single words (names always are).

    Nothing built is over :data:`MAX_LINE` bytes with its CRLF: messages
    are split to fit before they get here (:mod:`chatroom.doors.irc.rendering`),
    and anything else still too long (a topic of 300 four-byte characters)
    loses the end of its last parameter, cut between characters.
    """
    head = f":{source} {command}" if source else command
    if params:
        *middle, last = params
        text = " ".join((head, *middle, ":" + last))
    else:
        text = head
    data = text.encode("utf-8")
    if len(data) > MAX_LINE - 2:
        data = data[: MAX_LINE - 2].decode("utf-8", "ignore").encode("utf-8")
    return data + b"\r\n"


def build_words(source: str, command: str, *params: str) -> bytes:
    """As :func:`build` for parameters that are all single words, without
    a ``:`` before the last (``BATCH +1 chathistory #tea``), as servers
    send them and as the batch specification's examples show."""
    head = f":{source} {command}" if source else command
    return " ".join((head, *params)).encode("utf-8") + b"\r\n"


def channel(room: str) -> str:
    """The channel for a room: ``tea`` → ``#tea``."""
    return CHANNEL_PREFIX + room


def room_of(target: str) -> str | None:
    """The room of a channel name, or None if ``target`` is not a channel."""
    if target.startswith(CHANNEL_PREFIX) and len(target) > 1:
        return target[1:]
    return None


def hostmask(nick: str, host: str) -> str:
    """A user's source: ``nick!nick@host`` (every user has the same host);
    a relayed nick's (``carol/matrix``: ``RELAYMSG``) ``nick!~u@host``, as
    Ergo writes it."""
    if "/" in nick:
        return f"{nick}!~u@{host}"
    return f"{nick}!{nick}@{host}"


def split_list(value: str) -> list[str]:
    """``#a,#b`` → ``["#a", "#b"]``, dropping empty entries."""
    return [part for part in value.split(",") if part]


def irc_mask(mask: str) -> str:
    """A chatroom ban mask as IRC users read it.

    ``account:KEY`` is the extban ``$a:KEY`` (Charybdis, InspIRCd, ergo: a
    ban on an account, whatever the nick), ``name:KEY`` the plain hostmask
    ``KEY!*@*`` (every user here has the same host, so a nick ban is all a
    hostmask can say).
    """
    kind, _, key = mask.partition(":")
    if kind == "account":
        return f"$a:{key}"
    if kind == "name":
        return f"{key}!*@*"
    return mask


#: How many nicks one client may watch with ``MONITOR`` (``734`` past it).
MONITOR_LIMIT = 100
#: The user mode of bots (IRCv3 bot-mode; ``BOT=B`` in ``005``).
BOT_MODE = "B"
#: The most targets each command takes in one line (``TARGMAX``); the
#: targets past the bound are ``407`` (too many targets), each.
TARGMAX = {
    "JOIN": 10,
    "PART": 10,
    "PRIVMSG": 4,
    "NOTICE": 4,
    "NAMES": 10,
    "KICK": 4,
    "WHOIS": 1,
    "WHOWAS": 1,
    "MONITOR": MONITOR_LIMIT,
}


def bounded(command: str, targets: list[str]) -> tuple[list[str], list[str]]:
    """``targets`` split into those served and those past ``TARGMAX``."""
    limit = TARGMAX[command]
    return targets[:limit], targets[limit:]


def isupport(network: str) -> list[str]:
    """The ``005`` tokens, consistent with our name rules.

    Names are 1-32 letters, digits, ``_``, ``-`` and ``.`` and are unique
    under NFKC + case folding: ``rfc7613`` (PRECIS: width mapping, case
    folding, normalisation) is the standard casemapping closest to that,
    and for ASCII names, the only ones most IRC clients type, it is plain
    ASCII case folding. None of RFC 1459's special pairs (``[]\\^`` and
    ``{}|~``) can occur in our names, so a client that falls back to
    ``rfc1459`` folds them the same way.
    """
    return [
        f"NETWORK={network}",
        "CASEMAPPING=rfc7613",
        f"CHANTYPES={CHANNEL_PREFIX}",
        f"NICKLEN={NAME_MAX_LENGTH}",
        f"CHANNELLEN={NAME_MAX_LENGTH + 1}",
        f"TOPICLEN={TOPIC_MAX_LENGTH}",
        "CHANMODES=b,k,l,imnst",
        "EXTBAN=$,a",
        "ACCOUNTEXTBAN=a",  # IRCv3 account-extban: $a:NAME bans an account
        "PREFIX=(ov)@+",
        "UTF8ONLY",
        f"CHANLIMIT={CHANNEL_PREFIX}:{ROOMS_PER_USER}",
        f"MONITOR={MONITOR_LIMIT}",
        f"BOT={BOT_MODE}",
        "ELIST=CMNTU",
        "WHOX",
        "STATUSMSG=@",
        "TARGMAX=" + ",".join(f"{cmd}:{n}" for cmd, n in TARGMAX.items()),
    ]


#: ``366``'s text.
END_OF_NAMES = "End of /NAMES list"


def names_lines(
    server: str,
    nick: str,
    chan: str,
    names: Sequence[str],
    prefixes: Mapping[str, str],
    userhost: bool = False,
    secret: bool = False,
    end: bool = True,
) -> bytes:
    """``353`` lines (split to fit 512 bytes) and ``366`` for a channel
    (without it when not ``end``: ``NAMES #a,#b`` ends once, for both);
    ``prefixes``: each member's (``@`` for owner and operators, ``+`` for
    a voice, :func:`chatroom.doors.irc.commands.prefixes_of`); ``userhost``
    (the userhost-in-names capability): each as ``nick!nick@host``; a
    ``secret`` channel is ``@`` rather than ``=`` (RFC 2812 3.2.5)."""
    kind = "@" if secret else "="
    shown = [
        prefixes.get(name, "") + (hostmask(name, server) if userhost else name)
        for name in names
    ]
    lines = []
    batch: list[str] = []
    size = 0
    for name in shown:
        if batch and size + len(name) + 1 > _REPLY_BUDGET:
            lines.append(
                build(server, irc.RPL_NAMREPLY, nick, kind, chan, " ".join(batch))
            )
            batch, size = [], 0
        batch.append(name)
        size += len(name.encode("utf-8")) + 1
    if batch:
        lines.append(build(server, irc.RPL_NAMREPLY, nick, kind, chan, " ".join(batch)))
    if end:
        lines.append(build(server, irc.RPL_ENDOFNAMES, nick, chan, END_OF_NAMES))
    return b"".join(lines)


def chunks(items: Iterable[str], budget: int = _REPLY_BUDGET) -> list[str]:
    """Join words into space-separated strings of at most ``budget`` bytes."""
    out: list[str] = []
    current = ""
    for item in items:
        if current and len(current.encode("utf-8")) + len(item) + 1 > budget:
            out.append(current)
            current = ""
        current = f"{current} {item}" if current else item
    if current:
        out.append(current)
    return out


# -- refusals as numerics ---------------------------------------------------


def safe_target(target: str) -> str:
    """What the client named, quoted back as one safe parameter."""
    return without_control_characters(target).replace(" ", "_") or "*"


def refusal(
    server: str, nick: str, error: ChatError, command: str, target: str
) -> bytes:
    """The IRC reply to a :class:`ChatError`: the right numeric for its code.

    ``command`` is the IRC command refused and ``target`` what it was about
    (a channel, a nick or a name), since numerics name it. Codes with no
    numeric of their own become a ``NOTICE`` carrying the code and text,
    so nothing is refused in silence.
    """
    code, text = error.code, without_control_characters(error.text)
    target = safe_target(target)
    is_channel = room_of(target) is not None
    numeric: tuple[str, ...] | None = None
    if code == "BAD_NAME":
        numeric = (
            (irc.ERR_BADCHANMASK, target, text)
            if is_channel
            else (irc.ERR_ERRONEUSNICKNAME, target, text)
        )
    elif code == "NAME_TAKEN":
        numeric = (irc.ERR_NICKNAMEINUSE, target, "Nickname is already in use")
    elif code == "NAME_REGISTERED":
        numeric = (
            irc.ERR_NICKNAMEINUSE,
            target,
            "Nickname is registered to an account: to use it, connect with "
            "its password as the server password (PASS)",
        )
    elif code == "BANNED":
        numeric = (
            (irc.ERR_BANNEDFROMCHAN, target, f"Cannot join channel (+b): {text}")
            if is_channel
            else (irc.ERR_YOUREBANNEDCREEP, text)
        )
    elif code == "INVITE_ONLY":
        numeric = (irc.ERR_INVITEONLYCHAN, target, f"Cannot join channel (+i): {text}")
    elif code == "BAD_KEY":
        numeric = (irc.ERR_BADCHANNELKEY, target, f"Cannot join channel (+k): {text}")
    elif code == "BAD_PASSWORD":
        numeric = (irc.ERR_PASSWDMISMATCH, "Password incorrect")
    elif code == "NO_NAME":
        numeric = (irc.ERR_NOTREGISTERED, "You have not registered")
    elif code in ("NO_SUCH_ROOM", "ROOM_EXISTS"):
        numeric = (irc.ERR_NOSUCHCHANNEL, target, text)
    elif code == "ROOM_FULL":
        numeric = (irc.ERR_CHANNELISFULL, target, f"Cannot join channel (+l): {text}")
    elif code == "TOO_MANY_ROOMS":
        numeric = (irc.ERR_TOOMANYCHANNELS, target, text)
    elif code == "ALREADY_IN_ROOM":
        numeric = (irc.ERR_USERONCHANNEL, nick, target, text)
    elif code == "NOT_IN_ROOM":
        if command in ("PRIVMSG", "NOTICE"):
            numeric = (irc.ERR_CANNOTSENDTOCHAN, target, "You are not on that channel")
        else:
            numeric = (irc.ERR_NOTONCHANNEL, target, "You're not on that channel")
    elif code == "MODERATED":
        numeric = (irc.ERR_CANNOTSENDTOCHAN, target, f"Cannot send (+m): {text}")
    elif code == "NOT_ALLOWED" and command in ADMIN_COMMANDS:
        numeric = (irc.ERR_NOPRIVILEGES, f"Permission Denied: {text}")
    elif code == "NOT_ALLOWED":
        numeric = (irc.ERR_CHANOPRIVSNEEDED, target, text)
    elif code == "NO_SUCH_USER":
        numeric = (irc.ERR_NOSUCHNICK, target, "No such nick/channel")
    elif code == "UNKNOWN_COMMAND":
        numeric = (irc.ERR_UNKNOWNCOMMAND, command, "Unknown command")
    elif code == "BAD_TEXT" and is_channel:
        numeric = (irc.ERR_CANNOTSENDTOCHAN, target, text)
    elif code == "NOT_YET" and is_channel:
        numeric = (irc.ERR_CANNOTSENDTOCHAN, target, not_yet_words(text))
    elif code == "NOT_YET":
        words = not_yet_words(text)
        return build(server, "NOTICE", nick, f"Cannot send to {target} yet. {words}")
    elif code == "LINE_TOO_LONG":
        numeric = (ERR_INPUTTOOLONG, "Input line was too long")
    elif (
        code == "BAD_ARGS"
        and command in WORDED_COMMANDS
        and text != NOT_ENOUGH_PARAMETERS
    ):
        numeric = None
    elif code == "BAD_ARGS":
        numeric = (irc.ERR_NEEDMOREPARAMS, command, NOT_ENOUGH_PARAMETERS)
    if numeric is not None:
        return build(server, numeric[0], nick, *numeric[1:])
    return build(server, "NOTICE", nick, f"{code} {text}")
