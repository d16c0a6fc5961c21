"""What ``/help`` shows: the keys, then the commands a person types here.

The server's own ``/help`` is the line protocol's reference: it names
what clients send by themselves (``/caps``, ``/typing``, ``/read ROOM
ID``) and says ``/join`` leaves the room you were in, which is not so in
this client (every room is a buffer of its own). So the client words its
own, for people: the commands by what they are for, as this client does
them, and what to do instead of typing a message's id (select it).
:data:`NOT_FOR_PEOPLE` names the server's commands it leaves out, so a
new command of the wire table is either here or there (a test holds it).
"""

from __future__ import annotations

from chatroom.client.keys import help_lines as key_lines
from chatroom.client.keys import keys_for

#: The commands ``/help`` lists, by part: each a usage and what it does.
COMMAND_HELP: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "rooms and conversations (any other line: a message there):",
        (
            ("/join ROOM", "go into ROOM (made if new): a buffer"),
            ("/create ROOM", "make a room and go into it"),
            ("/leave [ROOM]", "leave the room on screen (or ROOM)"),
            ("/list [PATTERN]", "the rooms (tea, t*a)"),
            ("/focus ROOM", "show ROOM's buffer (or alt-1..9)"),
            ("/who", "who is in this room"),
            ("/topic [TEXT]", "show or set the room's topic"),
            ("/me TEXT", "an action: * you TEXT"),
            ("/msg USER TEXT", "a private message; its buffer opens"),
            ("/query USER [TEXT]", "open the conversation with USER"),
            ("/history N", "N earlier messages, above (or PgUp)"),
            ("/search WORDS", "find messages (in:ROOM from:USER...)"),
            ("/threads, /pins", "the room's threads, its pinned messages"),
            ("/call", "who is in the room's call (the page's)"),
            ("/follow, /unfollow", "a thread's messages counted, or not"),
            ("/notify ROOM LEVEL", "all, mentions or none (muted)"),
            ("/clear", "empty the buffer on screen"),
            ("/upload PATH", "share a file here (an account, --files)"),
            ("/nick NAME", "change your name"),
            ("/quit [REASON]", "leave (so does ctrl c)"),
        ),
    ),
    (
        "a message: select it (alt up), then a key, never its id:",
        (
            ("r e d + -", "reply, edit, delete, react, unreact"),
            ("p t !", "pin (owner, operators), thread, report"),
        ),
    ),
    (
        "you and your account:",
        (
            ("/register PW", "make your name an account (PW hidden)"),
            ("/login NAME [PW]", "sign in (at the name prompt)"),
            ("/password OLD NEW", "change its password"),
            ("/unregister PW", "make it a plain name again"),
            ("/profile [NAME]", "someone's profile (yours without NAME)"),
            ("/profile set KEY V", "display-name, pronouns, status, avatar"),
            ("/devices, /logout N", "your devices, and ending one"),
            ("/ignore USER", "hear nothing more from USER (/unignore)"),
            ("/ignores", "whom you ignore"),
            ("/app-password", "add LABEL, list, remove LABEL"),
            ("/bot", "add NAME, list, remove NAME: your bots"),
            ("/email [ADDRESS]", "your address, for resets (/verify CODE)"),
            ("/reset NAME", "a forgotten password, by mail"),
            ("/redeem CODE", "an invitation, then /register"),
            ("/invite-link", "a code that lets someone register"),
            ("/export", "a link to all your account's data"),
            ("/delete-account PW", "delete your account for good"),
            ("/set previews on|off", "link previews shown or not"),
            ("/set mail on|off", "mail what you missed while away"),
        ),
    ),
    (
        "the room's owner and operators:",
        (
            ("/op, /deop USER", "make or unmake an operator (owner)"),
            ("/owner USER", "hand the room to USER (owner)"),
            ("/kick USER [WHY]", "send someone out of the room"),
            ("/ban, /unban USER", "keep someone out, or let them in"),
            ("/bans", "who is kept out"),
            ("/voice, /devoice U", "who speaks in a moderated room"),
            ("/invite USER", "let someone into an invite-only room"),
            ("/set SETTING VALUE", "invite-only, keep, key, limit... on|off"),
            ("/info", "the room's settings"),
            ("/modlog [N]", "the room's moderation log"),
            ("/opmsg TEXT", "to the owner and operators only"),
            ("/webhook", "add NAME, list, remove NAME (owner)"),
            ("/command", "add NAME URL, list, remove NAME (owner)"),
            ("/rename NEW [WHY]", "rename the room (owner)"),
            ("/delete ROOM", "delete a room and its messages (asks)"),
            ("/reports [ROOM]", "the open reports (/report close N)"),
        ),
    ),
    (
        "server admins:",
        (
            ("/kill USER [WHY]", "disconnect someone"),
            ("/gban, /gunban", "ban from the server (USER or MASK)"),
            ("/gbans", "the server's bans"),
            ("/announce TEXT", "to everyone"),
            ("/lockdown [LEVEL]", "off, accounts or closed"),
            ("/rehash", "reload the configuration"),
        ),
    ),
)

#: The server's commands ``/help`` leaves out: what this client sends by
#: itself, another client's (the page's), the message commands the
#: selection keys stand for, and ``/help`` itself.
NOT_FOR_PEOPLE = frozenset(
    {
        "caps",
        "typing",
        "read",
        "unread",
        "say",
        "txn",  # what the user says goes in one, with a key (.unacknowledged)
        "watch",
        "token",
        "push",
        "oidc",
        "limits",
        "help",
        "reply",
        "edit",
        "redact",
        "react",
        "unreact",
        "paste",
        "thread",
        "pin",
        "unpin",
        "report",
        "invite-links",
        "verify",
        "logout",
        "unignore",
        "unfollow",
        "unban",
        "deop",
        "devoice",
        "gunban",
        "in",
        "session",
        "conversations",
    }
)


def help_lines() -> list[str]:
    """``/help``'s lines: the keys, then the commands, each within 60
    columns."""
    lines = ["keys:", *key_lines()]
    for title, commands in COMMAND_HELP:
        lines += ["", title]
        lines += [f"{usage:<20} {words}" for usage, words in commands]
    select = keys_for("SELECT_PREVIOUS")[0]
    return [line.replace("alt up", select) for line in lines]


def listed() -> set[str]:
    """The commands :data:`COMMAND_HELP` names (without their ``/``)."""
    names = set()
    for _title, commands in COMMAND_HELP:
        for usage, _words in commands:
            names |= {word[1:].rstrip(",") for word in usage.split() if word[0] == "/"}
    return names
