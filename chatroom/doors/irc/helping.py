"""``HELP`` / ``HELPOP`` and ``LINKS``: what the door says about itself.

``HELP [topic]`` answers as Ergo and InspIRCd do (Modern's ``HELP``):
``704`` (the start, with the topic), ``705`` per line, ``706`` (the end);
a topic that is no command here is ``524``. ``HELP`` alone lists the
commands, made from the command table itself
(:data:`chatroom.doors.irc.table.COMMANDS`, which hands itself to
:func:`help_`), so a command the door answers is never missing from it,
then NickServ's commands (from NickServ's own table) and how to set the
choices NickServ keeps. The texts are short, one per command of the
table (a test holds the two together), and say what the command does
*here*, where that differs from other ircds.

``LINKS`` lists one server, this one: a cluster's nodes are one server to
its clients (docs/irc.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from chatroom.doors.irc.session import IRCSession

RPL_LINKS = "364"
RPL_ENDOFLINKS = "365"
ERR_HELPNOTFOUND = "524"
RPL_HELPSTART = "704"
RPL_HELPTXT = "705"
RPL_ENDOFHELP = "706"

#: The topic ``HELP`` alone answers (Ergo's and InspIRCd's name for it).
INDEX = "index"

#: Each command's help: its syntax, then what it does here.
TEXTS: dict[str, tuple[str, ...]] = {
    "ANNOUNCE": ("ANNOUNCE :<text>", "Server admins: a notice to every user."),
    "AUTHENTICATE": (
        "AUTHENTICATE <PLAIN|SCRAM-SHA-256>",
        "SASL sign-in to an account (CAP REQ :sasl first).",
    ),
    "AWAY": ("AWAY [:<message>]", "Marks you away with a message, or back."),
    "BATCH": (
        "BATCH +<ref> draft/multiline <target> / BATCH -<ref>",
        "Sends a multiline message (draft/multiline).",
    ),
    "CAP": ("CAP LS [302] / REQ / LIST / END", "Negotiates IRCv3 capabilities."),
    "CHATHISTORY": (
        "CHATHISTORY <LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS> ...",
        "A room's or a conversation's kept messages (draft/chathistory).",
    ),
    "GBAN": (
        "GBAN <nick|mask> [<duration>] [<reason>]",
        "Server admins: bans a user, an account, a name or a network "
        "(ip:ADDRESS[/BITS]) from the server, for a while (30s, 10m, 2h, 7d, 4w) "
        "or for ever.",
    ),
    "GBANS": ("GBANS", "Server admins: lists the server's bans."),
    "GUNBAN": ("GUNBAN <nick|mask>", "Server admins: lifts a server ban."),
    "HELP": ("HELP [<command>]", "This help; HELPOP is the same."),
    "INFO": ("INFO", "What this server is, and its version."),
    "INVITE": ("INVITE <nick> <#room>", "Invites a user into a room."),
    "ISUPPORT": ("ISUPPORT", "Sends the server's 005 tokens again."),
    "JOIN": (
        "JOIN <#room>[,<#room>] [<key>[,<key>]]",
        "Enters rooms; a room nobody made is created, and you own it.",
    ),
    "KICK": ("KICK <#room> <nick>[,<nick>] [:<reason>]", "Puts users out of a room."),
    "KILL": ("KILL <nick> [:<reason>]", "Server admins: disconnects a user."),
    "LINKS": ("LINKS", "The servers: this one alone (a cluster is one server)."),
    "LIST": ("LIST [<filters>]", "Rooms with their member counts and topics."),
    "LOCKDOWN": (
        "LOCKDOWN [off|accounts|closed]",
        "Server admins: how open the server is to new sessions (accounts only, "
        "or admins only), as Ergo's DEFCON.",
    ),
    "LUSERS": ("LUSERS", "How many users, connections and rooms there are."),
    "MARKREAD": (
        "MARKREAD <target> [timestamp=<time>]",
        "Shows or moves your read marker (draft/read-marker).",
    ),
    "METADATA": (
        "METADATA <target> GET|LIST|SET|CLEAR|SUB|UNSUB|SUBS|SYNC [<key>...]",
        "Your account's profile, or another user's (draft/metadata-2): display-name,"
        " pronouns, status, avatar.",
    ),
    "MODE": (
        "MODE <#room> [<modes> [<args>]] / MODE <nick> [+|-iwB]",
        "A room's modes (o b i t s k) or yours (i: invisible, w: wallops, B: bot).",
    ),
    "MODLOG": ("MODLOG <#room> [<count>]", "A room's moderation log, for its ops."),
    "OPER": (
        "OPER <account> <password>",
        "Signs in to a server admin's account: you become an IRC operator.",
    ),
    "MONITOR": (
        "MONITOR <+|-> <nick>[,<nick>] / MONITOR C|L|S",
        "Tells you when nicks come and go.",
    ),
    "NAMES": ("NAMES [<#room>]", "A room's members."),
    "NICK": ("NICK <nick>", "Takes or changes your nick."),
    "NICKSERV": (
        "NICKSERV <command>",
        "A message to NickServ (NICKSERV HELP): your account, and your choices"
        " (SET IRC-NOTES ON|OFF, SET MAIL ON|OFF).",
    ),
    "NOTICE": ("NOTICE <target> :<text>", "A message that is never answered."),
    "NS": ("NS <command>", "A message to NickServ, as NICKSERV."),
    "PART": ("PART <#room>[,<#room>] [:<reason>]", "Leaves rooms."),
    "RENAME": (
        "RENAME <#room> <#newname> [:<reason>]",
        "Renames a room you own (draft/channel-rename).",
    ),
    "PASS": (
        "PASS [<account>:]<password>",
        "Before NICK/USER: the server password, or signs in to an account.",
    ),
    "PING": ("PING <token>", "Answered PONG with the token."),
    "PONG": ("PONG <token>", "Answers the server's PING."),
    "PRIVMSG": ("PRIVMSG <#room|nick> :<text>", "A message to a room or a user."),
    "QUIT": ("QUIT [:<reason>]", "Disconnects."),
    "REDACT": (
        "REDACT <#room|nick> <msgid> [:<reason>]",
        "Deletes a message of a room, or your private message to nick "
        "(draft/message-redaction).",
    ),
    "REDEEM": (
        "REDEEM <code>",
        "Redeems an invitation, so this connection may register one account "
        "on a server that registers by invitation.",
    ),
    "REGISTER": (
        "REGISTER <*|nick> <email> <password>",
        "Registers your nick as an account (draft/account-registration).",
    ),
    "REPORT": (
        "REPORT <#channel|nick> <msgid> [:<reason>] | REPORT CLOSE <n> [:<note>]",
        "Reports a message to the channel's operators and the admins (a "
        "private one to the admins alone); they close a report with a note.",
    ),
    "REPORTS": (
        "REPORTS [<#channel>]",
        "Channel operators and admins: the open reports, oldest first.",
    ),
    "SETNAME": ("SETNAME :<realname>", "Changes your realname (setname)."),
    "SILENCE": (
        "SILENCE [+|-<nick>]",
        "Your account's ignore list: nothing a silenced nick says reaches you.",
    ),
    "TAGMSG": ("TAGMSG <target>", "A message of tags alone (message-tags)."),
    "RELAYMSG": (
        "RELAYMSG <channel> <nick/network> :<text>",
        "Say text as someone of another network (draft/relaymsg; relay bots"
        " and server admins).",
    ),
    "TIME": ("TIME", "The server's time."),
    "TOPIC": ("TOPIC <#room> [:<topic>]", "Shows or sets a room's topic."),
    "UBAN": (
        "UBAN ADD <target> [DURATION <duration>] [<reason>] | DEL <target> | LIST",
        "Server admins: the server's bans, as Ergo's UBAN; a target is an "
        "address or network, a nick or a mask.",
    ),
    "USER": ("USER <user> 0 * :<realname>", "Registers, with NICK."),
    "USERHOST": ("USERHOST <nick> [<nick>...]", "Up to five users' hosts."),
    "VERIFY": (
        "VERIFY <account> <code>",
        "Verifies an account's e-mail address with the code mailed to it.",
    ),
    "WALLOPS": ("WALLOPS :<text>", "Server admins: a notice to every user with +w."),
    "REHASH": (
        "REHASH",
        "Server admins: reloads this node's configuration; nobody is disconnected.",
    ),
    "WHO": ("WHO [<#room|nick|mask>]", "Users, with their flags."),
    "WEBPUSH": (
        "WEBPUSH REGISTER <endpoint> <keys> / WEBPUSH UNREGISTER <endpoint>",
        "Web Push to this device while you are away (draft/webpush).",
    ),
    "WHOIS": ("WHOIS <nick>", "What is known of a user."),
    "WHOWAS": ("WHOWAS <nick> [<count>]", "Who held a nick that is gone."),
}
TEXTS["HELPOP"] = TEXTS["HELP"]


#: What a command of the table with no text of its own says (a test keeps
#: every one with a text; this is the index's promise that none is missing).
_UNDESCRIBED = "See docs/irc.md."
#: The topics that name NickServ, whose own commands they list too.
_NICKSERV = ("NICKSERV", "NS")


def _rows(names: list[str], per_line: int = 8) -> list[str]:
    return [
        " ".join(names[start : start + per_line])
        for start in range(0, len(names), per_line)
    ]


def index_lines(commands: Iterable[str], nickserv: Iterable[str]) -> list[str]:
    """``HELP`` alone: every command of the table, a few to a line, then
    NickServ's (``nickserv``) and its choices (``SET IRC-NOTES``...)."""
    lines = ["Commands (HELP <command> for one):", *_rows(sorted(commands))]
    lines.append("NickServ's commands (/msg NickServ HELP, or NS HELP):")
    lines += _rows(sorted(nickserv))
    lines.append(
        "Your choices: NS SET IRC-NOTES ON|OFF (reactions, edits and deletions"
        " in words), NS SET MAIL ON|OFF (what you miss, mailed)"
    )
    return lines


def topic_lines(command: str, nickserv: Iterable[str]) -> list[str]:
    """A command's help: its syntax, what it does here (and, for NickServ,
    its commands)."""
    lines = list(TEXTS.get(command, (command, _UNDESCRIBED)))
    if command in _NICKSERV:
        lines.append("NickServ's commands: " + " ".join(sorted(nickserv)))
    return lines


async def help_(
    session: IRCSession,
    params: tuple[str, ...],
    commands: Iterable[str],
    nickserv: Iterable[str],
) -> None:
    """``HELP [topic]``: ``704``, ``705``..., ``706``; ``524`` for no such
    topic. ``commands``: the door's command table (every topic it has);
    ``nickserv``: NickServ's commands."""
    asked = params[0] if params and params[0] else ""
    names = set(commands)
    if not asked:
        topic, lines = INDEX, index_lines(names, nickserv)
    elif asked.upper() in names:
        topic, lines = asked.upper(), topic_lines(asked.upper(), nickserv)
    else:
        session.numeric(ERR_HELPNOTFOUND, asked, "No help available on this topic")
        return
    session.numeric(RPL_HELPSTART, topic, lines[0])
    for line in lines[1:]:
        session.numeric(RPL_HELPTXT, topic, line)
    session.numeric(RPL_ENDOFHELP, topic, "End of /HELP")


async def links(session: IRCSession, params: tuple[str, ...]) -> None:
    """``364`` for this server (hop count 0, its description), ``365``."""
    description = session.config.description
    session.numeric(RPL_LINKS, session.me, session.me, f"0 {description}")
    session.numeric(RPL_ENDOFLINKS, "*", "End of /LINKS list")
