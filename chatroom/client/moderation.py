"""What the account, moderation and admin events say, as lines for the log
(and the replies about pins, threads, notification levels and reports).

The server reports them as fields (``KICK tea bob alice spamming``, see
``docs/protocol.md``, *Accounts*, *Moderation*, *Server admins*); this
module turns each into one sentence a user reads at a glance, and says
whose log it belongs in and whether it is about the user themselves (an
*alert*: kicked, invited, an announcement), which the screen makes
prominent. It is a table of small pure functions so the wording of every
event is in one place and tested without a model or a screen; what an
event *does* to the session (a kicked member leaves the list) stays in
the model.

The people a line names (who kicked whom, who pinned) are
:class:`~.entries.Person` parts of its words, so that the screen names
them by their display names, and follows a later change of one.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import NamedTuple

from chatroom.client.entries import Person, Words, by_names
from chatroom.wire.lines import ParsedLine

#: The fields of an event that name a person (``KICK tea carol bob``).
PEOPLE = frozenset({"user", "by"})


class Line(NamedTuple):
    """One event as the log shows it."""

    words: Words
    #: The room whose log it goes in ("": the log on screen).
    room: str = ""
    #: About the user: shown prominently, rings the bell, kept on the lobby page.
    alert: bool = False

    @property
    def text(self) -> str:
        """The line with each person by their name."""
        return by_names(self.words)


def _because(reason: str) -> str:
    return f" ({reason})" if reason else ""


def _reason(event: ParsedLine) -> str:
    return f": {event.text}" if event.text else ""


def _kicked(event: ParsedLine) -> Line:
    room, by = event.field("room"), Person(event.field("by"))
    return Line((f"You were kicked from {room} by ", by, _reason(event)), alert=True)


def kicked_from(event: ParsedLine) -> Words:
    """The line a ``KICKED`` leaves in the room's own log."""
    return ("you were kicked by ", Person(event.field("by")), _reason(event))


def _invited(event: ParsedLine) -> Line:
    room, by = event.field("room"), Person(event.field("by"))
    return Line((by, f" invited you to {room}: /join {room} to accept"), alert=True)


def mask_words(mask: str) -> str:
    """A ban or invitation mask in words: ``account:alice`` is "the account
    alice", ``name:eve`` "the name eve", ``ip:203.0.113.0/24`` "the network
    203.0.113.0/24" and ``ip:127.0.0.2`` "the address 127.0.0.2"; a server
    ban's end (``MASK@UNTIL``, as ``/gbans`` lists a timed one) "until
    UNTIL" (anything else as it is)."""
    mask, at, until = mask.partition("@")
    kind, _, who = mask.partition(":")
    if who and kind in ("account", "name"):
        mask = f"the {kind} {who}"
    elif who and kind == "ip":
        mask = f"the {'network' if '/' in who else 'address'} {who}"
    return f"{mask} until {until}" if at else mask


def _server_ban(event: ParsedLine) -> Line:
    """``GBAN``: who banned what from the server, and until when."""
    until = event.field("until")
    ending = f" until {until}" if until else ""
    mask = mask_words(event.field("mask"))
    return Line((Person(event.field("by")), f" banned {mask} from the server{ending}"))


#: Each lockdown level in words (docs/protocol.md, *Server admins*).
LOCKDOWN_WORDS = {
    "off": "off: everyone may come in",
    "accounts": "accounts: only accounts sign in, and none is registered",
    "closed": "closed: only admins sign in",
}


def _lockdown(event: ParsedLine) -> Line:
    """``LOCKDOWN``: the level, and who set it (``-``: nobody ever did)."""
    level, by = event.field("level"), event.field("by")
    words: Words = (f"lockdown {LOCKDOWN_WORDS.get(level, level)}",)
    if by not in ("", "-"):
        words += (" (set by ", Person(by), ")")
    return Line(words)


def _listing(what: str, where: str, masks: tuple[str, ...]) -> str:
    if not masks:
        return f"no {what}{where}"
    return f"{what}{where}: {', '.join(mask_words(mask) for mask in masks)}"


def _says(template: str, in_room: bool = True) -> Callable[[ParsedLine], Line]:
    """An event whose line names its fields (``{user}``, ``{by}``, ...,
    a ban's ``{mask}`` in words) and ``{reason}``, its free text in
    brackets if there is any; a room's event goes in that room's log.
    The fields that name people (:data:`PEOPLE`) are persons in its words."""
    parts = list(string.Formatter().parse(template))

    def describe(event: ParsedLine) -> Line:
        fields = event.named_fields()
        if "mask" in fields:
            fields["mask"] = mask_words(fields["mask"])
        fields["reason"] = _because(event.text)
        words: list[str | Person] = []
        for literal, field, _, _ in parts:
            words.append(literal)
            if field in PEOPLE:
                words.append(Person(fields[field]))
            elif field is not None:
                words.append(fields[field])
        room = fields["room"] if in_room else ""
        return Line(tuple(word for word in words if word), room)

    return describe


def _bans(event: ParsedLine) -> Line:
    room = event.field("room")
    return Line((_listing("bans", f" in {room}", event.listed),), room)


def _info(event: ParsedLine) -> Line:
    room, setting = event.field("room"), event.field("setting")
    return Line((f"{room} {setting}: {event.text or '-'}",), room)


def _pinned(event: ParsedLine) -> Line:
    """``PINNED``: one pinned message, as ``/pins`` lists it."""
    fields = event.named_fields()
    who = Person(fields["user"])
    words = (f"pinned #{fields['message']} by ", who, f": {event.text}")
    return Line(words, fields["room"])


def _thread(event: ParsedLine) -> Line:
    """``THREAD``: one thread, as ``/threads`` lists it."""
    fields = event.named_fields()
    count = fields["count"]
    replies = f"{count} {'reply' if count == '1' else 'replies'}"
    text = f"thread #{fields['root']}: {replies}, the last #{fields['last']}"
    return Line((f"{text} at {fields['time']}",), fields["room"])


#: One describer per event, by event name.
DESCRIBERS: dict[str, Callable[[ParsedLine], Line]] = {
    "REGISTERED": _says(
        "{account} is now your account and you are signed in to it", in_room=False
    ),
    "PASSWORD_CHANGED": _says("the password of {account} was changed", in_room=False),
    "UNREGISTERED": _says(
        "{account} is no longer registered; you keep it as a plain name",
        in_room=False,
    ),
    "OP": _says("{by} made {user} an operator"),
    "DEOP": _says("{by} removed {user} from the operators"),
    "VOICE": _says("{by} gave {user} a voice"),
    "DEVOICE": _says("{by} took {user}'s voice"),
    "KICK": _says("{user} was kicked by {by}{reason}"),
    "KICKED": _kicked,
    "BAN": _says("{by} banned {mask}"),
    "UNBAN": _says("{by} lifted the ban on {mask}"),
    "BANS": _bans,
    "SET": _says("{by} set {setting} {value}"),  # IRC's -int: "a,b,c off,off,off"
    "INVITE": _says("{by} invited {user}"),
    "INVITED": _invited,
    "INFO": _info,
    "ANNOUNCE": lambda event: Line(
        ("announcement from ", Person(event.field("by")), f": {event.text}"),
        alert=True,
    ),
    "KILLED": _says(
        "{user} was disconnected from the server by {by}{reason}", in_room=False
    ),
    "GBAN": _server_ban,
    "GUNBAN": _says("{by} lifted the server ban on {mask}", in_room=False),
    "GBANS": lambda event: Line((_listing("server bans", "", event.listed),)),
    "LOCKDOWN": _lockdown,
    # an account's ignore list (docs/protocol.md, "Ignoring someone")
    "IGNORED": _says(
        "you ignore {name}: nothing {name} says reaches you", in_room=False
    ),
    "UNIGNORED": _says("you hear {name} again", in_room=False),
    "IGNORES": lambda event: Line(
        (
            f"you ignore {', '.join(event.listed)}"
            if event.listed
            else "you ignore nobody",
        )
    ),
    "REHASHED": lambda event: Line((f"configuration reloaded: {event.text}",)),
    # the operator's message of the day (--motd), a line at a time
    "MOTD": lambda event: Line((event.text,)),
    # a room's webhooks (/webhook): for its owner's eyes, on the screen shown
    "WEBHOOK": _says(
        "webhook {name}: {url} (keep it secret: whoever has it posts here)",
        in_room=False,
    ),
    "WEBHOOKS_END": _says("{room} has {count} webhook(s)", in_room=False),
    "WEBHOOK_REMOVED": _says(
        "webhook {name} removed: its address posts no more", in_room=False
    ),
    "PREVIEWS": _says("link previews are {state}", in_room=False),
    # app passwords (/app-password): a new one is shown this once
    "APP_PASSWORD": _says(
        "app password for {label}: {password} (shown this once: for /login or"
        " SASL PLAIN)",
        in_room=False,
    ),
    "APP_PASSWORD_MADE": _says("app password {label}, made {made}", in_room=False),
    "APP_PASSWORDS_END": _says("{count} app password(s)", in_room=False),
    "APP_PASSWORD_REMOVED": _says(
        "app password {label} removed: it signs in no more", in_room=False
    ),
    # bots (/bot): a new one's token is shown this once
    "BOT": _says(
        "bot {name}: its token is {token} (shown this once: its password at"
        " /login and SASL PLAIN, its bearer token at the REST API)",
        in_room=False,
    ),
    "BOT_MADE": _says("bot {name}, made {made}", in_room=False),
    "BOTS_END": _says("{count} bot(s)", in_room=False),
    "BOT_REMOVED": _says(
        "bot {name} removed: its token signs in no more", in_room=False
    ),
    "MAIL": _says("mail for what you miss while away: {state}", in_room=False),
    "PIN": _says("{by} pinned message #{message}"),
    "UNPIN": _says("{by} unpinned message #{message}"),
    "PINNED": _pinned,
    "PINS_END": _says("{room} has {count} pinned message(s)"),
    "PINS": _says("{room} has {count} pinned message(s): /pins shows them"),
    "THREAD": _thread,
    "THREADS_END": _says("(end of the threads)", in_room=False),
    "FOLLOW": _says("you follow the thread of #{root}"),
    "UNFOLLOW": _says("you no longer follow the thread of #{root}"),
    "NOTIFY": _says("{room} notifies you of: {level}"),
    # a report made (docs/protocol.md, "Reports"): on the screen shown; the
    # reports themselves are the reports buffer's (see .reports)
    "REPORTED": _says(
        "you reported message #{id}: its moderators are told", in_room=False
    ),
}


def describe(event: ParsedLine) -> Line | None:
    """The log line for an account, moderation or admin event; None: not one."""
    describer = DESCRIBERS.get(event.name)
    return None if describer is None else describer(event)
