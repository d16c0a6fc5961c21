"""The IRCv3 capabilities this door offers, as data: name → its ``CAP LS
302`` value ("" for none).

A minimal list (issue 21's IRCv3 work extends it into Ergo's model, with
each capability's draft status): ``sasl`` with its mechanism, and
``away-notify`` (:func:`chatroom.doors.irc.presence.tell_away`), and
``draft/account-registration`` with no value: registering needs a complete
connection, takes the nick as the account's name, and no e-mail
(:func:`chatroom.doors.irc.services.register`).
"""

from __future__ import annotations

CAPABILITIES: dict[str, str] = {
    "sasl": "PLAIN",
    "away-notify": "",
    "draft/account-registration": "",
}
