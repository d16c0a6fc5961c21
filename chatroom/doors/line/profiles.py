"""The line protocol's ``/profile``: display names, pronouns, a status and
an avatar (:mod:`chatroom.core.accounts.profiles`).

- ``/profile set KEY VALUE`` and ``/profile unset KEY`` answer
  ``PROFILE name key value`` (no value: unset);
- ``/profile NAME`` (or ``/profile``: your own) answers a ``PROFILE`` line
  per key set, then ``PROFILE_END name count``.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.policy.metadata_rule import KEYS
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

_USAGE = f"/profile [NAME] | /profile set {'|'.join(KEYS)} VALUE | /profile unset KEY"


async def do_profile(session: CommandContext, args: str) -> None:
    verb, _, rest = args.strip().partition(" ")
    registry = session.registry
    if verb.lower() in ("set", "unset"):
        key, _, value = rest.strip().partition(" ")
        if not key or (verb.lower() == "set") != bool(value.strip()):
            raise errors.usage(_USAGE)
        change = await registry.profiles.set(session.member, key, value)
        session.send(format_line("PROFILE", change.user, change.key, text=change.value))
        return
    if rest:
        raise errors.usage(_USAGE)
    name = verb or session.name or ""
    shown = (
        await registry.profiles.of(name)
        if verb
        else await registry.profiles.own(session.member)
    )
    for key, value in shown.items():
        session.send(format_line("PROFILE", name, key, text=value))
    session.send(format_line("PROFILE_END", name, str(len(shown))))
