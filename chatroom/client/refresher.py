"""Redrawing the screen when the model changes outside urwid's input loop."""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.client.model import Change, LogEntry, SessionModel


class ScreenRefresher:
    """Redraws the screen once per reactor turn after the model changes.

    urwid redraws by itself only after input it read (keys, mouse, resize).
    Server lines arrive through Twisted protocol callbacks, outside urwid's
    input handling, so without this a new message would stay invisible
    until the user's next keypress. A burst of lines costs one redraw.
    """

    def __init__(
        self, model: SessionModel, clock: IReactorTime, draw: Callable[[], None]
    ) -> None:
        self._clock = clock
        self._draw = draw
        self._pending: IDelayedCall | None = None
        self._stopped = False
        model.subscribe(self._changed)

    def stop(self) -> None:
        """No more redraws: the screen is about to stop.

        A redraw still pending when urwid has let go of the terminal would
        raise inside urwid, and Twisted would print that traceback on the
        way out (every exit showed one).
        """
        self._stopped = True
        if self._pending is not None and self._pending.active():
            self._pending.cancel()
        self._pending = None

    def _changed(self, change: Change, entry: LogEntry | None) -> None:
        if self._pending is None and not self._stopped:
            self._pending = self._clock.callLater(0, self._redraw)

    def _redraw(self) -> None:
        self._pending = None
        self._draw()
