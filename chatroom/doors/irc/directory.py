"""What the IRC door knows of its own users, for ``WHOIS``, ``WHOWAS``,
``MONITOR`` and ``AWAY``.

The registry knows names and rooms, not IRC's per-user facts (the
username and realname given with ``USER``, when a user last spoke, an
away message) nor who has left: those belong to this door, so one
:class:`Directory` per IRC door (held by its factory, shared by its
sessions) keeps them for the IRC users connected to this node:

- **who is here**: each registered IRC session by its nick's key, so
  ``WHOIS`` can say a user's realname, idle time (``317``) and away
  message (``301``), and ``PRIVMSG`` to an away user answers ``301``;
- **who was here** (``WHOWAS``): the last :data:`WHOWAS_KEPT` nicks that
  quit or changed, newest first, as Ergo and most ircds keep them;
- **who watches whom** (``MONITOR``): a nick's watchers here hear ``730``
  when it arrives and ``731`` when it goes, and with ``extended-monitor``
  its ``AWAY``, ``SETNAME`` and ``ACCOUNT``, at any door on any node: the
  shared side tells every node's door the
  :class:`~chatroom.core.events.Watched` news it :meth:`Directory.heard`
  (:mod:`chatroom.core.watching`), while the door has watchers.

Users of the other doors, and IRC users of other cluster nodes, are not in
it: ``WHOIS`` and ``WHO`` find the first through their rooms and the
second by their presence, which their own node shares
(:mod:`chatroom.core.presence`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from chatroom.core.events import Sighting, Watched
from chatroom.core.text import name_key


class Listed(Protocol):
    """What the directory needs of a session: its USER and realname for
    ``WHOWAS``, and where ``MONITOR`` news goes. (A protocol rather than the
    session's class, which imports this module: no import cycle.)"""

    @property
    def user(self) -> str | None: ...

    @property
    def realname(self) -> str: ...

    def monitored(self, nick: str, online: bool) -> None: ...

    def news_of(self, news: Watched) -> None: ...


S = TypeVar("S", bound=Listed)

#: How many departed nicks ``WHOWAS`` remembers, door-wide.
WHOWAS_KEPT = 200


@dataclass(frozen=True)
class Departed:
    """A nick as it was when its user quit or changed it."""

    nick: str
    user: str
    realname: str
    #: When it went, in the clock's seconds.
    when: float


class Directory(Generic[S]):
    """The IRC door's users on this node (see the module's docstring)."""

    def __init__(self) -> None:
        self.here: dict[str, S] = {}
        self.departed: deque[Departed] = deque(maxlen=WHOWAS_KEPT)
        #: Nick key → the sessions monitoring it.
        self.watchers: dict[str, set[S]] = {}
        #: Account → the times its sessions set with MARKREAD (per target).
        self.stamps: dict[str, dict[str, tuple[int, str]]] = {}

    def find(self, nick: str) -> S | None:
        return self.here.get(name_key(nick))

    def arrived(self, session: S, nick: str) -> None:
        """``session`` now holds ``nick`` (registered, or renamed to it)."""
        self.here[name_key(nick)] = session

    def left(self, session: S, nick: str, when: float) -> None:
        """``session`` no longer holds ``nick`` (renamed, or gone)."""
        self.departed.appendleft(
            Departed(nick, session.user or nick, session.realname, when)
        )
        key = name_key(nick)
        if self.here.get(key) is session:  # not already someone else's
            del self.here[key]

    def was(self, nick: str, count: int) -> list[Departed]:
        """Up to ``count`` past holders of ``nick``, newest first."""
        key = name_key(nick)
        return [gone for gone in self.departed if name_key(gone.nick) == key][:count]

    # -- MONITOR --------------------------------------------------------------

    def watch(self, session: S, nick: str) -> bool:
        """``session`` watches ``nick``: True if it is the first nick anyone
        here watches (the door then follows the shared side's news)."""
        first = not self.watchers
        self.watchers.setdefault(name_key(nick), set()).add(session)
        return first

    def unwatch(self, session: S, nick: str) -> bool:
        """``session`` no longer watches ``nick``: True if nobody here
        watches anyone any more (the door then stops following)."""
        key = name_key(nick)
        watching = self.watchers.get(key)
        if watching is not None:
            watching.discard(session)
            if not watching:
                del self.watchers[key]
                return not self.watchers
        return False

    def heard(self, news: Watched) -> None:
        """The shared side's news of a user (:mod:`chatroom.core.watching`),
        to the sessions here watching its name: ``730``/``731``, or what
        ``extended-monitor`` tells (each session decides: its caps, the
        channels it shares with the user)."""
        watchers = self.watchers.get(name_key(news.user))
        if not watchers:
            return
        online = news.sighting is Sighting.ONLINE
        for watcher in list(watchers):
            if online or news.sighting is Sighting.OFFLINE:
                watcher.monitored(news.user, online)
            else:
                watcher.news_of(news)
