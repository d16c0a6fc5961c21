"""``/wire.js``: the line protocol as the web client reads it, made from
:mod:`chatroom.wire`.

The page parses the server's lines by the same table the server and the
terminal client use (each event's fields by name, which events end in
free text, which in a list of words), knows the commands from the same
command table, writes a paste by the same rule and bounds, compares
names by the same key, keys the same things said (``/txn``), gives
up on the same refusals and goodbyes, says
a newcomer's wait and a name refused for want of an account in the same
words and reads a message's Markdown by
the same grammar, so it keeps no second
copy to fall out of date.
The script is made once, when the site is built, and served like the
client's other files: a same-origin classic script (the
Content-Security-Policy allows no inline one), loaded by ``index.html``
before ``app.js``, that defines one global, ``WIRE``: plain JSON data,
which the page's scripts read.
"""

from __future__ import annotations

import json

from chatroom.wire.commands import COMMANDS, ROOM_COMMANDS
from chatroom.wire.goodbyes import ACCOUNT_DELETED, FINAL_STARTS, SIGN_IN_REFUSALS
from chatroom.wire.lines import (
    EVENT_FIELDS,
    FREE_TEXT_EVENTS,
    LIST_EVENTS,
    PROTOCOL_VERSION,
)
from chatroom.wire.markdown import LINK_SCHEMES, RULES_OFF
from chatroom.wire.names import KEY_ROUNDS, case_folds, prototypes
from chatroom.wire.pastes import (
    ESCAPES,
    LINE_BREAK,
    MAX_BYTES,
    MAX_LINES,
    PASTE_COMMAND,
)
from chatroom.wire.said import COMMAND_PREFIX, ESCAPED_PREFIX
from chatroom.wire.signin import ACCOUNTS_ONLY, LOGIN_HINT
from chatroom.wire.tags import UNESCAPES
from chatroom.wire.txn import KEYED_COMMANDS
from chatroom.wire.waiting import NOT_YET, UNITS

_HEADER = """\
// The line protocol's grammar, commands, pastes and name key, made by the
// server from chatroom/wire/ when it started
// (chatroom/doors/web/wirescript.py): not a file to edit.
"use strict";
"""


def wire_table() -> dict[str, object]:
    """What ``WIRE`` holds: each event's field names in order (``fields``),
    the events ending in free text (``freeText``) or in a list of words
    (``lists``), every command's name in ``/help``'s order (``commands``),
    those that carry passwords (``secretCommands``) and how many words
    of each come before its passwords (``secretWords``: the page hides
    what follows as it is typed), those that act on the
    room they are typed in (``roomCommands``, sent as ``/in ROOM LINE``),
    those a ``/txn`` key may carry (``keyedCommands``:
    :mod:`chatroom.wire.txn`),
    the ``//`` rule (``commandPrefix``, ``escapedPrefix``:
    :mod:`chatroom.wire.said`), a
    tag value's escapes (``tagUnescapes``: :mod:`chatroom.wire.tags`), how
    a paste is split, bounded and written (``paste``:
    :mod:`chatroom.wire.pastes`), what the page computes a name's key
    with (``names``: :mod:`chatroom.wire.names`, each table by what a
    character becomes: ``{"ss": "ß"}``), the Markdown rules a message
    does without and the schemes its links may have (``markdown``:
    :mod:`chatroom.wire.markdown`), the refusals that send the page back
    to its name form and the goodbyes after which it stays away
    (``goodbyes``: :mod:`chatroom.wire.goodbyes`), how a newcomer's wait
    is said (``waiting``: :mod:`chatroom.wire.waiting`), how a name
    refused for want of an account is said (``signIn``:
    :mod:`chatroom.wire.signin`) and the protocol's version."""
    return {
        "version": PROTOCOL_VERSION,
        "fields": {event: list(names) for event, names in EVENT_FIELDS.items()},
        "freeText": sorted(FREE_TEXT_EVENTS),
        "lists": sorted(LIST_EVENTS),
        "commands": list(COMMANDS),
        "secretCommands": [
            name for name, command in COMMANDS.items() if command.secret
        ],
        "secretWords": {
            name: command.secret for name, command in COMMANDS.items() if command.secret
        },
        "roomCommands": sorted(ROOM_COMMANDS),
        "keyedCommands": sorted(KEYED_COMMANDS),
        "commandPrefix": COMMAND_PREFIX,
        "escapedPrefix": ESCAPED_PREFIX,
        "tagUnescapes": UNESCAPES,
        "names": {
            "rounds": KEY_ROUNDS,
            "folds": _by_result(case_folds()),
            "prototypes": _by_result(prototypes()),
        },
        "paste": {
            "command": PASTE_COMMAND,
            "maxLines": MAX_LINES,
            "maxBytes": MAX_BYTES,
            "escapes": ESCAPES,
            "lineBreak": LINE_BREAK,
        },
        "markdown": {"rulesOff": list(RULES_OFF), "linkSchemes": list(LINK_SCHEMES)},
        "goodbyes": {
            "signInRefusals": sorted(SIGN_IN_REFUSALS),
            "finalStarts": list(FINAL_STARTS),
            "accountDeleted": list(ACCOUNT_DELETED),
        },
        "waiting": {"units": [list(unit) for unit in UNITS], "notYet": NOT_YET},
        "signIn": {"accountsOnly": ACCOUNTS_ONLY, "loginHint": LOGIN_HINT},
    }


def _by_result(table: dict[str, str]) -> dict[str, str]:
    """``table`` (a character → what it becomes) as what each result is
    made from (the characters, one string): the same rule, in half the
    bytes."""
    grouped: dict[str, str] = {}
    for char, result in table.items():
        grouped[result] = grouped.get(result, "") + char
    return grouped


def wire_script() -> bytes:
    """The body of ``/wire.js`` (UTF-8): ``WIRE`` as JSON, one entry a line
    (an event's field names too), so it reads well in a browser's tools;
    characters as themselves, not as escapes (the name tables are most of
    the script)."""
    entries = []
    for key, value in wire_table().items():
        if isinstance(value, dict):
            inner = ",\n".join(
                f"  {json.dumps(name)}: {json.dumps(item, ensure_ascii=False)}"
                for name, item in value.items()
            )
            value = f"{{\n{inner}\n }}"
        else:
            value = json.dumps(value, ensure_ascii=False)
        entries.append(f" {json.dumps(key)}: {value}")
    body = ",\n".join(entries)
    return f"{_HEADER}const WIRE = {{\n{body}\n}};\n".encode()
