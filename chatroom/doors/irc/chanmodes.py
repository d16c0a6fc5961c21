"""A room's settings as IRC channel modes, for what the room is shown.

The core's ``SET room setting value by`` becomes the ``MODE`` change it is:
``+i``, ``+t``, ``+s``, ``+m``, ``+k *`` (the key is never shown: the event
does not carry it), ``+l N``, and ``-n`` for ``external on`` (IRC's "no
external messages" is the setting off). Several switches set by one IRC
``MODE`` line are one ``SET`` with comma-separated lists (see
:func:`chatroom.core.policy.moderation.decide`), shown as one ``MODE`` as sent.
"""

from __future__ import annotations

#: The IRC mode letter of each ``/set`` setting (``keep`` has none).
SETTING_MODES = {
    "invite-only": "i",
    "topic-lock": "t",
    "key": "k",
    "secret": "s",
    "limit": "l",
    "moderated": "m",
    "external": "n",
}


def _sign(letter: str, on: bool) -> str:
    """``+`` for a setting turned on, but ``-n`` for ``external on``."""
    return "+" if on != (letter == "n") else "-"


def setting_mode(setting: str, value: str) -> tuple[str, ...] | None:
    """The ``MODE`` parameters of ``SET``'s setting and value (None for a
    setting with no mode): ``("+l", "5")``, ``("-k", "*")``, ``("-in",)``."""
    if "," in setting:
        modes, sign = "", ""
        for one, its in zip(setting.split(","), value.split(","), strict=True):
            letter = SETTING_MODES.get(one, "")
            now = _sign(letter, its == "on")
            modes += ("" if now == sign else now) + letter
            sign = now
        return (modes,)
    if setting not in SETTING_MODES:
        return None
    letter, on = SETTING_MODES[setting], value != "off"
    change = _sign(letter, on) + letter
    if letter == "k":
        return (change, "*")
    if letter == "l" and on:
        return (change, value)
    return (change,)
