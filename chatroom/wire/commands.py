"""Every command of the line protocol, in one table both ends read.

Each :class:`Command` row says the command's name, what it takes (its
synopsis, as the line door's usage errors word it), its lines in
``/help``, and whether it carries passwords (which a client must never
show, keep or recall). The table is grouped in :class:`HelpPart` rows,
in the order ``/help`` lists them, so the server's ``/help`` text
(:func:`help_lines`) is generated here and the terminal client completes
every command from the same rows (:data:`COMMANDS`). The line door keeps
its own table of handlers and states (``chatroom.doors.line.session``);
a test holds the two to the same names. Nothing registers itself by
being imported: a new command is a row here and a row there, as in
Ergo's ``irc/commands.go``.

The line protocol has no aliases: a command is its one name, in any case.
"""

from __future__ import annotations

from typing import NamedTuple

from chatroom.wire.said import ESCAPED_PREFIX


class Command(NamedTuple):
    """One command of the line protocol."""

    name: str
    #: What it takes, as its usage error names it (``NAME``, ``ID TEXT``);
    #: "" when it takes nothing.
    arguments: str = ""
    #: Its own lines in ``/help`` (none: its part's introduction, or a line
    #: shared with another command, such as ``/react``'s with ``/unreact``,
    #: describes it).
    help: tuple[str, ...] = ()
    #: How many words (the command's own included) come before its
    #: passwords; 0: it carries none.
    secret: int = 0

    @property
    def usage(self) -> str:
        """``/name ARGUMENTS``, as a usage error gives it."""
        return f"/{self.name} {self.arguments}".rstrip()


class HelpPart(NamedTuple):
    """Commands ``/help`` lists together, after the lines that introduce
    them (a title, or the ``/caps`` that turns them on)."""

    intro: tuple[str, ...]
    commands: tuple[Command, ...]


#: ``/help`` from top to bottom, in parts; every command is in one part.
HELP_PARTS: tuple[HelpPart, ...] = (
    HelpPart(
        ("Commands (in a room, any other line is a message to everyone in it):",),
        (
            Command("nick", "NAME", ("/nick NAME        choose or change your name",)),
            Command(
                "list",
                "[PATTERN]",
                (
                    "/list             list the rooms",
                    "/list PATTERN     ... those whose name has it (tea, t*a, te?)",
                ),
            ),
            Command(
                "create", "NAME", ("/create NAME      create a room and enter it",)
            ),
            Command(
                "join",
                "NAME [KEY] [since ID]",
                (
                    "/join NAME        enter a room (leaving the one you are in)",
                    "/join NAME since ID   ... and get what was said after event ID",
                ),
            ),
            Command(
                "history",
                "N [before ID]",
                (
                    "/history N [before ID]  N earlier messages of this room",
                    "/history @USER N [before ID]  N earlier private messages with"
                    " USER (accounts)",
                    "/history thread ROOT N [before ID]  N earlier messages of a"
                    " thread",
                ),
            ),
        ),
    ),
    # Messages with a life (docs/protocol.md): stored ids and rich events.
    HelpPart(
        (
            "/caps ids         prefix stored events with @ID",
            "/caps rich        ids with tags, replies, edits... (docs/protocol.md)",
        ),
        (
            Command("caps", "ids|multi|rich ..."),
            Command(
                "reply",
                "ID TEXT",
                ("/reply ID TEXT    answer message ID of this room",),
            ),
            Command(
                "paste",
                "TEXT",
                (
                    "/paste TEXT       one message of several lines: \\n between"
                    " them, \\\\ a backslash",
                ),
            ),
            Command(
                "edit",
                "ID TEXT",
                (
                    "/edit ID TEXT     change your message ID (within --edit-window"
                    " seconds)",
                ),
            ),
            Command(
                "redact",
                "ID [REASON]",
                (
                    "/redact ID [REASON]   delete a message (yours; any, for owner"
                    " and operators)",
                ),
            ),
            Command(
                "react",
                "ID EMOJI",
                (
                    "/react ID EMOJI, /unreact ID EMOJI   react to message ID, or take"
                    " it back",
                ),
            ),
            Command("unreact", "ID EMOJI"),
            Command(
                "thread",
                "ID TEXT",
                (
                    "/thread ID TEXT   say TEXT in the thread of message ID (rich"
                    " clients keep it apart)",
                ),
            ),
            Command("threads", "", ("/threads          the threads of this room",)),
            Command(
                "pin",
                "ID",
                (
                    "/pin ID, /unpin ID   keep message ID on top of the room, or"
                    " stop (owner, operators)",
                ),
            ),
            Command("unpin", "ID"),
            Command("pins", "", ("/pins             the room's pinned messages",)),
            Command(
                "report",
                "[@USER] ID [REASON]",
                (
                    "/report ID [REASON]   report message ID to the room's moderators",
                    "/report @USER ID [REASON]   report a private message to the"
                    " server's admins",
                    "/reports [ROOM], /report close N [NOTE]   moderators: the"
                    " open reports, and closing one",
                ),
            ),
            Command("reports", "[ROOM]"),
            Command(
                "follow",
                "ROOT",
                (
                    "/follow ROOT, /unfollow ROOT   count a thread's messages in"
                    " /unread, or stop",
                ),
            ),
            Command("unfollow", "ROOT"),
            Command(
                "typing",
                "active|paused|done",
                (
                    "/typing active|paused|done   tell rich members of the room you"
                    " are typing",
                ),
            ),
            Command(
                "call",
                "[ROOM]|start [ROOM]|join [ROOM]|leave|signal USER JSON",
                (
                    "/call [ROOM]      who is in the room's call (joined on the page)",
                    "/call start|join [ROOM], /call leave   start, join or leave it",
                ),
            ),
            Command(
                "search",
                "WORDS",
                (
                    "/search WORDS     find messages of your rooms and conversations"
                    " (filters:",
                    "                  in:ROOM in:@USER in:thread from:USER"
                    " before:TIME after:TIME)",
                ),
            ),
        ),
    ),
    # Many rooms at once (docs/protocol.md, "Many rooms").
    HelpPart(
        ("/caps multi       be in many rooms at once: /join adds a room",),
        (
            Command(
                "focus",
                "ROOM",
                ("/focus ROOM       (multi) make ROOM the one your lines go to",),
            ),
            Command(
                "say",
                "ROOM TEXT",
                ("/say ROOM TEXT    a message to ROOM, whichever room is current",),
            ),
            Command(
                "txn",
                "KEY LINE",
                (
                    "/txn KEY LINE     LINE (words, /say, /me, /msg...) once per KEY:"
                    " ACK KEY TARGET ID",
                ),
            ),
            Command(
                "in",
                "ROOM LINE",
                (
                    "/in ROOM LINE     LINE (words, /me, a room command) in ROOM,",
                    "                  whichever room is current",
                ),
            ),
            Command(
                "read",
                "ROOM|@USER ID",
                (
                    "/read ROOM ID     you have read ROOM up to event ID",
                    "/read @USER ID    ... your conversation with USER (accounts)",
                ),
            ),
            Command(
                "unread",
                "",
                ("/unread           rooms with events after what you read",),
            ),
            Command(
                "notify",
                "ROOM [all|mentions|none]",
                (
                    "/notify ROOM [all|mentions|none]   what ROOM tells you of (none:"
                    " muted)",
                ),
            ),
            Command(
                "leave",
                "[ROOM]",
                (
                    "/leave [ROOM]     leave the room (with multi: ROOM, or the"
                    " current one)",
                ),
            ),
        ),
    ),
    HelpPart(
        (),
        (
            Command("who", "", ("/who              who is in this room",)),
            Command(
                "topic", "[TEXT]", ("/topic [TEXT]     show or set the room's topic",)
            ),
            Command("me", "TEXT", ("/me TEXT          an action: * you TEXT",)),
            Command(
                "opmsg",
                "TEXT",
                (
                    "/opmsg TEXT       a message to this room's owner and operators"
                    " only",
                ),
            ),
            Command(
                "msg",
                "USER TEXT",
                (
                    "/msg USER TEXT    a private message (kept for an account that"
                    " is away)",
                ),
            ),
            Command(
                "conversations",
                "",
                (
                    "/conversations    your private conversations, unread counts"
                    " (accounts)",
                ),
            ),
            Command("delete", "NAME", ("/delete NAME      delete a room you own",)),
            Command(
                "rename",
                "NEWNAME [REASON]",
                (
                    "/rename NEWNAME [REASON]   rename a room you own (its old name"
                    " leads to it a while)",
                ),
            ),
            Command(
                "ignore",
                "USER",
                ("/ignore USER      hear nothing more from USER (an account's list)",),
            ),
            Command(
                "unignore",
                "USER",
                ("/unignore USER, /ignores   hear USER again; whom you ignore",),
            ),
            Command("ignores"),
            Command(
                "watch",
                "on|off",
                ("/watch on|off     push room list changes while in the lobby",),
            ),
        ),
    ),
    # Accounts (docs/protocol.md, "Accounts" and "Many devices").
    HelpPart(
        (),
        (
            Command(
                "login",
                "NAME PASSWORD",
                ("/login NAME PASSWORD   sign in to an account (instead of a name)",),
                secret=2,
            ),
            Command(
                "oidc",
                "TICKET",
                (
                    "/oidc TICKET           sign in with the page's OpenID"
                    " provider ticket",
                ),
                secret=1,
            ),
            Command(
                "register",
                "PASSWORD",
                (
                    "/register PASSWORD     make your name an account",
                    "/register NAME PASSWORD   (before choosing a name) register NAME"
                    " and sign in",
                ),
                secret=1,
            ),
            Command(
                "password",
                "OLD NEW",
                ("/password OLD NEW      change your password",),
                secret=1,
            ),
            Command(
                "unregister",
                "PASSWORD",
                ("/unregister PASSWORD   give up your account",),
                secret=1,
            ),
            Command(
                "devices",
                "",
                ("/devices               your account's connections (its devices)",),
            ),
            Command("logout", "ID", ("/logout ID             close one of them",)),
            Command(
                "session",
                "new|end|TOKEN",
                (
                    "/session new           stay signed in on this device: a token"
                    " to sign in with",
                    "/session TOKEN         (before a name) sign in with it;"
                    " /session end ends it",
                ),
                secret=1,
            ),
            Command(
                "token",
                "",
                (
                    "/token                 a token to upload files with (HTTP"
                    " Bearer; --files)",
                ),
            ),
            Command(
                "profile",
                "[NAME] | set KEY VALUE | unset KEY",
                (
                    "/profile [NAME]        someone's profile (yours without NAME)",
                    "/profile set display-name|pronouns|status|avatar VALUE   yours;"
                    " /profile unset KEY",
                ),
            ),
            Command(
                "export",
                "",
                ("/export                a one-time link to all your account's data",),
            ),
            Command(
                "delete-account",
                "PASSWORD",
                (
                    "/delete-account PASSWORD   delete your account and its data"
                    " for good",
                ),
                secret=1,
            ),
            Command(
                "push",
                "add ENDPOINT P256DH AUTH | remove ENDPOINT | key",
                (
                    "/push add ENDPOINT P256DH AUTH   notify this browser or"
                    " device (Web Push)",
                    "/push remove ENDPOINT  stop; /push key: the key to subscribe with",
                ),
            ),
            Command(
                "app-password",
                "add LABEL | list | remove LABEL",
                (
                    "/app-password add LABEL   a password for one client"
                    " (/login, SASL PLAIN)",
                    "/app-password list, /app-password remove LABEL   yours, or"
                    " end one",
                ),
            ),
            Command(
                "bot",
                "add NAME | list | remove NAME",
                (
                    "/bot add NAME   a bot account of yours, and its token"
                    " (shown once)",
                    "/bot list, /bot remove NAME   yours, or remove one",
                ),
            ),
            Command(
                "email",
                "[ADDRESS | remove]",
                (
                    "/email [ADDRESS | remove]   your account's e-mail address"
                    " (mailed a code to verify)",
                ),
            ),
            Command(
                "verify",
                "CODE",
                ("/verify CODE           verify it with the code mailed to it",),
                secret=1,
            ),
            Command(
                "reset",
                "NAME [CODE NEWPASSWORD]",
                (
                    "/reset NAME            a forgotten password: a code mailed to"
                    " the account's address",
                    "/reset NAME CODE NEWPASSWORD   set a new password with it",
                ),
                secret=2,
            ),
            Command(
                "redeem",
                "CODE",
                ("/redeem CODE           an invitation: then /register",),
                secret=1,
            ),
            Command(
                "invite-link",
                "[USES] [HOURS] [ROOM] | revoke CODE",
                (
                    "/invite-link [USES] [HOURS] [ROOM]   a code that lets people"
                    " register",
                    "/invite-links, /invite-link revoke CODE   yours, or end one",
                ),
            ),
            Command("invite-links"),
        ),
    ),
    HelpPart(
        ("Moderating the room you are in (owner and operators):",),
        (
            Command(
                "op",
                "USER",
                ("/op USER, /deop USER   make or unmake an operator (owner only)",),
            ),
            Command("deop", "USER"),
            Command(
                "owner",
                "USER",
                ("/owner USER       hand the room to USER, an account (owner only)",),
            ),
            Command(
                "kick",
                "USER [REASON]",
                ("/kick USER [REASON]    send someone back to the lobby",),
            ),
            Command(
                "ban",
                "USER|MASK",
                (
                    "/ban USER, /unban USER, /bans   keep someone out (by account,"
                    " else name)",
                ),
            ),
            Command("unban", "USER|MASK"),
            Command("bans"),
            Command(
                "voice",
                "USER",
                ("/voice USER, /devoice USER   let someone speak in a moderated room",),
            ),
            Command("devoice", "USER"),
            Command(
                "set",
                "SETTING VALUE",
                (
                    "/set invite-only|topic-lock|secret|moderated|keep on|off",
                    "/set key KEY|off, /set limit N|off   a key; at most N members",
                    "/set previews on|off   show link previews (yours, anywhere)",
                    "/set mail on|off   mail what you missed while away (yours)",
                ),
            ),
            Command(
                "invite",
                "USER",
                ("/invite USER      let someone into an invite-only room",),
            ),
            Command(
                "info", "", ("/info             the room's settings and operators",)
            ),
            Command(
                "modlog",
                "[server] [N]",
                (
                    "/modlog [N]       the room's last N (50) kicks, bans, deletions,"
                    " settings...",
                ),
            ),
            Command(
                "webhook",
                "add NAME|list|remove NAME",
                (
                    "/webhook add NAME  an address where Slack's JSON posts here"
                    " (owner only)",
                    "/webhook list, /webhook remove NAME   the room's webhooks",
                ),
            ),
            Command(
                "command",
                "add NAME URL|list|remove NAME",
                (
                    "/command add NAME URL  /NAME here posts to URL, its answer"
                    " shown (owner only)",
                    "/command list, /command remove NAME   the room's slash commands",
                ),
            ),
        ),
    ),
    HelpPart(
        (
            "Server admins: /kill USER [REASON], /gban USER|MASK [DURATION] [REASON]",
            "  (MASK: account:NAME, name:NAME, ip:ADDRESS[/BITS]; DURATION: 30s 2h 7d)",
            "/gunban USER|MASK, /gbans, /announce TEXT, /delete any room,",
            "/rehash (reload the configuration), /lockdown [off|accounts|closed]",
        ),
        (
            Command("kill", "USER [REASON]"),
            Command("gban", "USER|MASK [DURATION] [REASON]"),
            Command("gunban", "USER|MASK"),
            Command("gbans"),
            Command("announce", "TEXT"),
            Command("lockdown", "[off|accounts|closed]"),
            Command("rehash"),
        ),
    ),
    HelpPart(
        (f"{ESCAPED_PREFIX}text            send a message that starts with /",),
        (
            Command(
                "limits",
                "",
                (
                    "/limits           how fast you may send (LIMITS rate burst"
                    " backlog)",
                ),
            ),
            Command("quit", "[REASON]", ("/quit [REASON]    leave the server",)),
            # /help lists everything but itself.
            Command("help"),
        ),
    ),
)

#: Every command by name, in ``/help``'s order.
COMMANDS: dict[str, Command] = {
    command.name: command for part in HELP_PARTS for command in part.commands
}

#: The room settings ``/set SETTING VALUE`` takes: the server refuses any
#: other, and the terminal client completes these.
SETTINGS = (
    "invite-only",
    "key",
    "topic-lock",
    "keep",
    "secret",
    "limit",
    "moderated",
    "external",
)


def help_lines() -> list[str]:
    """``/help``'s lines, top to bottom (the line door sends each as ``HELP``)."""
    lines: list[str] = []
    for part in HELP_PARTS:
        lines += part.intro
        for command in part.commands:
            lines += command.help
    return lines


def secret_words(command: str) -> int:
    """How many words of a typed ``/command ...`` line come before its
    passwords (``/login NAME PASSWORD``: 2); 0 for a command that carries
    none, or no command at all. Commands match in any case, as the server
    matches them."""
    if not command.startswith("/"):
        return 0
    found = COMMANDS.get(command[1:].lower())
    return found.secret if found is not None else 0


#: The commands that act on a room without naming it (the connection's
#: current room, at the line door): a client in many rooms at once sends
#: each of them, as it sends a plain line or ``/me``, as ``/in ROOM LINE``
#: with the room on screen, so that what is typed in a room's view is done
#: there, whatever room the connection last made current. The ``@USER``
#: forms of ``/history`` and ``/report`` name a private conversation, and
#: go as they are typed, as do the commands not listed (``/focus``,
#: ``/say`` and ``/in`` name their room; ``/notify``, ``/read`` and
#: ``/reports`` take it as a word).
ROOM_COMMANDS = frozenset(
    {
        "me",
        "who",
        "topic",
        "opmsg",
        "paste",
        "reply",
        "edit",
        "redact",
        "react",
        "unreact",
        "typing",
        "thread",
        "threads",
        "follow",
        "unfollow",
        "pin",
        "unpin",
        "pins",
        "report",
        "history",
        "leave",
        "rename",
        "op",
        "deop",
        "voice",
        "devoice",
        "kick",
        "ban",
        "unban",
        "bans",
        "invite",
        "set",
        "info",
        "modlog",
        "webhook",
        "command",
        "owner",
    }
)


#: What a client sends by itself, not its person typing: the queries a
#: page or terminal makes on signing in, joining, switching rooms or
#: showing a message (and ``/caps``, ``/session``, ``/watch``). The server
#: counts them apart from the person's flood allowance (``--burst``,
#: ``--rate``), within a bound of their own (docs/protocol.md, *Flood
#: control*); ``/profile`` only as a reading (``/profile [NAME]``).
SENT_BY_ITSELF = frozenset(
    {
        "typing",
        "read",
        "focus",
        "who",
        "info",
        "pins",
        "notify",
        "profile",
        "unread",
        "history",
        "caps",
        "watch",
        "conversations",
        "session",
        "devices",
    }
)


def sent_by_itself(line: str) -> bool:
    """Whether a line is one a client sends by itself
    (:data:`SENT_BY_ITSELF`), as is, or addressed to a room by ``/in ROOM
    LINE``; a ``/profile set`` or ``unset`` is its person's."""
    if not line.startswith("/") or line.startswith("/txn "):  # said by its person
        return False
    word, _, rest = line[1:].partition(" ")
    word = word.lower()
    if word == "in":  # one level: /in ROOM /in ... is its person's
        _, _, inner = rest.partition(" ")
        return inner[1:].partition(" ")[0].lower() != "in" and sent_by_itself(inner)
    if word == "profile":
        return rest.partition(" ")[0].lower() not in ("set", "unset")
    return word in SENT_BY_ITSELF
