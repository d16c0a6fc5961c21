"""The screen: one top widget whose body follows the model's page.

Keyboard focus never leaves the input line. Keys that mean something else
on a page (arrows in the lobby, PgUp/PgDn, Tab, Enter) are looked up in
:mod:`chatroom.client.keys` and handled here; everything else is typing.
Keys that act on the log instead select a message and act on it (see
:mod:`.selection`); a paste (see :mod:`.pasting`) goes to the controller
as one. Model changes update only the widget they concern, so nothing
that arrives from the network ever touches the input line's text or
cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import urwid

from chatroom.client.accounts import is_secret
from chatroom.client.actions import UserActions
from chatroom.client.editing import (
    EDITS,
    KILLS,
    InputHistory,
    KillRing,
    NameCompleter,
    completion_candidates,
)
from chatroom.client.entries import Change, EntryKind, LogEntry, Page
from chatroom.client.keys import is_command_key, keys_for
from chatroom.client.logview import LogView
from chatroom.client.model import SessionModel
from chatroom.client.pasting import PasteCollector
from chatroom.client.selection import command_for, done_at_once, hint, step
from chatroom.client.shortcodes import reaction_line, typed_space
from chatroom.client.typists import typing_text
from chatroom.client.widgets import (
    DEFAULT_TIME_FORMAT,
    BufferBar,
    MemberList,
    RoomBody,
    RoomList,
    SecretEdit,
    Size,
)
from chatroom.wire.pastes import pasted_lines

#: Keys that do nothing at the password prompt: the input history holds
#: no passwords, and completing names in one makes no sense.
NOT_IN_PASSWORDS = ("HISTORY_PREVIOUS", "HISTORY_NEXT", "COMPLETE")

#: Lines in a log not on screen that ring the bell when they name the user.
RINGING = frozenset({EntryKind.MESSAGE, EntryKind.ACTION, EntryKind.PRIVATE})


def buffer_number(key: str) -> int | None:
    """The buffer an Alt-1..9 key (as the settings bind them) shows, if any."""
    return next((n for n in range(1, 10) if is_command_key(f"BUFFER_{n}", key)), None)


CAPTIONS = {
    Page.CONNECTING: "> ",
    Page.USERNAME: "Username: ",
    Page.LOBBY: "Room or /command: ",
    Page.ROOM: "> ",
}


class ChatScreen(urwid.WidgetWrap[urwid.Frame]):
    """The whole client screen, drawn from a :class:`SessionModel`."""

    def __init__(
        self,
        model: SessionModel,
        actions: UserActions,
        address: str,
        time_format: str = DEFAULT_TIME_FORMAT,
        bell: Callable[[], None] = lambda: None,
    ) -> None:
        """Args:
        time_format: how the log shows times (``strftime``; the settings).
        bell: rings the terminal bell (on a mention or private message).
        """
        self.model = model
        self.actions = actions
        self.bell = bell
        self.history = InputHistory()
        self.completer = NameCompleter()
        #: The status bar names the emoji Tab put in (its text is the
        #: model's again after the next other key).
        self._status_lent = False
        self.kill_ring = KillRing()
        #: Gathers a bracketed paste's keys into text.
        self.paster = PasteCollector()
        #: The name sent from the username page, left on the input line
        #: until the server takes it (then the line is cleared).
        self._name_sent: str | None = None
        self.input = SecretEdit(("caption", CAPTIONS[model.page]))
        self.status = urwid.Text("", wrap="ellipsis")
        #: Lag and unseen mentions, kept at the right of the status bar.
        self.status_extra = urwid.Text("", align="right", wrap="clip")
        self.status_bar = urwid.AttrMap(
            urwid.Columns([self.status, ("pack", self.status_extra)], dividechars=1),
            "status",
        )
        self.header = urwid.Text("", wrap="ellipsis")
        #: Every room and conversation with its news, above the status bar.
        self.buffer_bar = BufferBar()
        self.log_view = LogView(time_format)
        self.log_view.on_scroll = self._following_changed
        self.member_list = MemberList()
        self.room_list = RoomList()
        self.greeting = urwid.Text("", align="center")
        self.name_problem = urwid.Text("", align="center")
        self.name_prompt = urwid.Text("", align="center")
        self.name_hint = urwid.Text("", align="center")
        #: What last happened to the user, above the lobby's room list.
        self.alert = urwid.AttrMap(urwid.Text(""), "alert")
        self.pages: dict[Page, urwid.Widget] = {
            Page.CONNECTING: urwid.Filler(
                urwid.Text(f"Connecting to {address}…", align="center")
            ),
            Page.USERNAME: self._username_page(),
            Page.LOBBY: self._lobby_page(),
            Page.ROOM: self._room_page(),
        }
        frame = urwid.Frame(
            self.pages[model.page],
            header=urwid.AttrMap(self.header, "header"),
            footer=urwid.Pile([self.status_bar, urwid.AttrMap(self.input, "input")]),
            focus_part="footer",
        )
        super().__init__(frame)
        self.log_view.show(model.log)
        for change in Change:
            if change not in (
                Change.LOG,
                Change.LOG_OLDER,
                Change.LOG_MERGED,
                Change.LOG_ELSEWHERE,
            ):
                self._on_change(change, None)
        model.subscribe(self._on_change)

    # -- pages -------------------------------------------------------------------

    def _username_page(self) -> urwid.Widget:
        pile = urwid.Pile(
            [
                urwid.AttrMap(self.greeting, "greeting"),
                urwid.Divider(),
                self.name_prompt,
                urwid.AttrMap(self.name_hint, "notice"),
                urwid.Divider(),
                urwid.AttrMap(self.name_problem, "error"),
            ]
        )
        return urwid.Filler(pile, valign="middle")

    def _lobby_page(self) -> urwid.Widget:
        title = urwid.Text(
            ("notice", " Rooms: ↑↓ select · Enter join · type a name + Enter to create")
        )
        self.lobby = urwid.Pile(
            [
                ("pack", title),
                ("weight", 3, self.room_list),
                ("pack", urwid.AttrMap(urwid.Divider("─"), "divider")),
                ("weight", 2, self.log_view),
            ]
        )
        return self.lobby

    def _room_page(self) -> urwid.Widget:
        return RoomBody(self.log_view, self.member_list)

    # -- model changes -------------------------------------------------------------

    def _on_change(self, change: Change, entry: LogEntry | None) -> None:
        model = self.model
        if change == Change.LOG and entry is not None:
            self.log_view.append(entry)
            if entry.mentions_me and not entry.earlier:
                self.bell()
            self._update_status_extra()
        elif change == Change.LOG_ELSEWHERE and entry is not None:
            # A mention or private message in a buffer not on screen rings
            # too (its count shows in the buffer list); the lobby shows
            # private messages in its own log, which rings for them.
            ringing = entry.mentions_me and not entry.earlier
            if ringing and entry.kind in RINGING and model.page == Page.ROOM:
                self.bell()
        elif change == Change.LOG_SWITCH:
            self.log_view.show(model.log)
            model.set_following(True)
            self._update_status_extra()
        elif change == Change.BUFFERS:
            self._update_buffer_bar()
        elif change == Change.TYPING:
            self._update_status_extra()
        elif change == Change.LOG_EDITED and entry is not None:
            self.log_view.replace_entry(entry)
        elif change == Change.LOG_OLDER:
            self.log_view.show_older(model.log, entry)
        elif change == Change.LOG_MERGED:
            self.log_view.redraw(model.log, entry)
        elif change == Change.PAGE:
            if model.page != Page.USERNAME and self._name_sent is not None:
                if self.input.edit_text == self._name_sent:
                    self.input.set_edit_text("")
                self._name_sent = None
            self._w.body = self.pages[model.page]
            self._update_prompt()
            self._update_header()
        elif change == Change.SIGN_IN:
            self._update_prompt()
        elif change == Change.ALERT:
            self._update_alert()
        elif change == Change.ROOMS:
            self.room_list.show(
                model.rooms.values(), live=model.watching, more=model.rooms_more
            )
        elif change == Change.MEMBERS:
            self._show_members()
            self._update_header()
        elif change == Change.NAMES:
            self.log_view.names_changed(model.log)
            self._show_members()
            self._update_status_extra()
        elif change == Change.HEADER:
            self._update_header()
        elif change == Change.STATUS:
            self.status.set_text(f" {model.status}")
            attributes: dict[Hashable, Hashable] = {
                None: "status" if model.connected else "status_alert"
            }
            self.status_bar.set_attr_map(attributes)
            self._update_status_extra()
        elif change == Change.NAME_PROBLEM:
            self.greeting.set_text(model.greeting or "chatroom")
            self.name_problem.set_text(model.name_problem)

    def _show_members(self) -> None:
        model = self.model
        self.member_list.show(
            model.members,
            model.owner,
            model.own_name,
            model.members_total,
            model.display_name,
        )

    @property
    def asking_password(self) -> bool:
        """Whether the input line is the password prompt (masked)."""
        return self.model.page == Page.USERNAME and self.model.password_for is not None

    def _update_prompt(self) -> None:
        """The caption says what Enter will do; the typed text stays, except
        across the password prompt's edges: a password is never left
        unmasked, nor a name under the mask."""
        name = self.model.password_for
        asking = self.asking_password
        if asking != self.input.hides_all:
            self.input.set_edit_text("")
            self.input.set_mask("*" if asking else None)
        caption = f"Password for {name}: " if asking else CAPTIONS[self.model.page]
        self.input.set_caption(("caption", caption))
        if asking:
            self.name_prompt.set_text(f"Type the password for {name} and press Enter.")
            back = keys_for("CANCEL")[0]
            self.name_hint.set_text(
                f"each character shows as * · {back}: choose another name"
            )
        else:
            self.name_prompt.set_text("Choose a username and press Enter.")
            self.name_hint.set_text(
                "1-32 letters, digits, '_', '-' or '.'\n"
                "a registered name asks for its password"
            )

    def _update_alert(self) -> None:
        """The lobby shows the last thing that happened to the user until
        they enter a room or press Esc (a kick would scroll out of the log)."""
        contents = self.lobby.contents
        shown = self.alert in (widget for widget, _options in contents)
        if self.model.alert:
            hide = keys_for("CANCEL")[0]
            self.alert.original_widget.set_text(
                f" *** {self.model.alert} · {hide}: hide"
            )
            if not shown:
                contents.insert(1, (self.alert, self.lobby.options("pack")))
        elif shown:
            del contents[1]

    def _update_buffer_bar(self) -> None:
        """The buffer list shows while there is any room or conversation."""
        model = self.model
        buffers = model.buffers
        self.buffer_bar.show(list(buffers.by_key.values()), buffers.focused)
        footer = self._w.footer
        assert isinstance(footer, urwid.Pile)
        contents = footer.contents
        shown = contents[0][0] is self.buffer_bar
        if buffers.by_key and not shown:
            contents.insert(0, (self.buffer_bar, footer.options("pack")))
        elif not buffers.by_key and shown:
            del contents[0]

    def _update_status_extra(self) -> None:
        """Lines queued (highlighted), unseen mentions and the lag."""
        parts: list[str | tuple[str, str]] = []
        typing = typing_text(
            [self.model.display_name(user) or user for user in self.model.typing_here()]
        )
        if typing:
            parts.append(("typing", typing))
        queued = self.model.queued
        if queued:
            parts.append(
                ("queued", f" {queued} line{'s' if queued != 1 else ''} queued ")
            )
        mentions = self.log_view.unseen_mentions
        if mentions:
            parts.append(f"{mentions} mention{'s' if mentions != 1 else ''} ↓")
        if self.model.lag is not None and self.model.connected:
            parts.append(f"lag {self.model.lag * 1000:.0f}ms")
        markup: list[str | tuple[str, str]] = []
        for part in parts:
            markup += [" · ", part] if markup else [part]
        self.status_extra.set_text([*markup, " "] if markup else "")

    def _update_header(self) -> None:
        model = self.model
        you = f" · you are {model.own_name}" if model.own_name else ""
        buffer = model.buffer
        if model.page == Page.ROOM and buffer is not None and buffer.private:
            self.header.set_text(f" {buffer.name} — private conversation{you}")
        elif (
            model.page == Page.ROOM
            and buffer is not None
            and (buffer.search or buffer.reports)
        ):
            self.header.set_text(f" {buffer.topic}")
        elif model.page == Page.ROOM and buffer is not None and buffer.thread:
            self.header.set_text(f" #{buffer.name} — {buffer.topic} · /leave closes it")
        elif model.page == Page.ROOM and model.room:
            topic = f" — {model.topic}" if model.topic else ""
            self.header.set_text(f" #{model.room}{topic}")
        elif model.page == Page.LOBBY:
            self.header.set_text(f" chatroom lobby{you}")
        else:
            self.header.set_text(" chatroom")
        if model.page == Page.USERNAME:
            self.greeting.set_text(model.greeting or "chatroom")

    # -- input -----------------------------------------------------------------------

    def keypress(self, size: Size, key: str) -> str | None:
        if key in ("begin paste", "end paste") or self.paster.collecting:
            pasted = self.paster.key(key)
            if pasted is not None:
                self._pasted(pasted)
            return None
        if self._selection_key(key):
            return None
        before = self.input.edit_text
        unused = self._keypress(size, key)
        text = self.input.edit_text
        if text != before and self.model.page == Page.ROOM and not is_secret(text):
            self.actions.typed(text)
        return unused

    def _keypress(self, size: Size, key: str) -> str | None:
        if not is_command_key("COMPLETE", key):
            self.completer.reset()
            self._show_completion()
        page = self.model.page
        edit = next((name for name in EDITS if is_command_key(name, key)), None)
        if edit not in KILLS:
            self.kill_ring.other_key()
        if is_command_key("QUIT", key):
            self.actions.quit()
        elif is_command_key("CANCEL", key):
            self.actions.cancel()
        elif is_command_key("SEND", key):
            self._send()
        elif is_command_key("RETRY_NOW", key):
            self.actions.retry_now()
        elif is_command_key("BUFFER_PREVIOUS", key):
            self.actions.switch_step(-1)
        elif is_command_key("BUFFER_NEXT", key):
            self.actions.switch_step(1)
        elif (number := buffer_number(key)) is not None:
            self.actions.switch_to(number)
        elif is_command_key("SCROLL_UP", key):
            if self.model.page == Page.ROOM and self.log_view.at_top():
                self.actions.load_older()
            self._scroll("page up")
        elif is_command_key("SCROLL_DOWN", key):
            self._scroll("page down")
        elif is_command_key("TO_NEWEST", key):
            self.log_view.to_newest()
            self._update_status_extra()
            self._following_changed()
        elif is_command_key("TO_OLDEST", key):
            self.log_view.to_oldest()
            if self.model.page == Page.ROOM:
                self.actions.load_older()
            self._update_status_extra()
            self._following_changed()
        elif edit is not None:
            self._edit(edit)
        elif is_command_key("YANK", key):
            self._set_line(
                *self.kill_ring.yank(self.input.edit_text, self.input.edit_pos)
            )
        elif page == Page.LOBBY and is_command_key("ROOM_PREVIOUS", key):
            self.room_list.move(-1)
        elif page == Page.LOBBY and is_command_key("ROOM_NEXT", key):
            self.room_list.move(1)
        elif is_command_key("EDIT_LAST", key) and (mine := self._editable()):
            self._recall(f"/edit {mine.id} {mine.text}")
        elif self.asking_password and any(
            is_command_key(command, key) for command in NOT_IN_PASSWORDS
        ):
            pass  # nothing is recalled into (or completed in) a password
        elif is_command_key("HISTORY_PREVIOUS", key):
            self._recall(self.history.previous(self.input.edit_text))
        elif is_command_key("HISTORY_NEXT", key):
            self._recall(self.history.next())
        elif is_command_key("COMPLETE", key):
            self._complete()
        elif key == " " and (converted := self._shortcode_typed()) is not None:
            self._set_line(*converted)
        else:
            return super().keypress(size, key)
        return None

    def _shortcode_typed(self) -> tuple[str, int] | None:
        """A space after a whole ``:tea:``: the line with 🍵 and the space
        (never in a password, nor on the username page)."""
        text = self.input.edit_text
        if self.model.page == Page.USERNAME or self.asking_password or is_secret(text):
            return None
        return typed_space(text, self.input.edit_pos)

    def _selection_key(self, key: str) -> bool:
        """Alt-Up/Down select a message; while one is, its keys act on it
        (see :mod:`.selection`). False: the key is not the selection's."""
        chosen = self.log_view.selected
        moves = {"SELECT_PREVIOUS": -1, "SELECT_NEXT": 1}
        by = next((moves[name] for name in moves if is_command_key(name, key)), 0)
        if by and self.model.page == Page.ROOM:
            chosen = step(self.model.log, chosen, by)
            pinned = chosen is not None and self.model.is_pinned(chosen)
            self.log_view.select(chosen, hint(chosen, pinned) if chosen else "")
            return True
        if chosen is None:
            return False
        if is_command_key("CANCEL", key):
            self.log_view.select(None)
            return True
        if chosen.kind == EntryKind.FOUND and is_command_key("OPEN_SELECTED", key):
            self.log_view.select(None)
            self.actions.show_room(chosen.target)
            return True
        at_once = done_at_once(key) if chosen.kind != EntryKind.FOUND else None
        if at_once is not None:
            self.log_view.select(None)
            if at_once == "PIN_SELECTED":
                self.actions.pin(chosen)
            else:
                self.actions.open_thread(chosen)
            return True
        line = command_for(key, chosen, self.model.own_name)
        if line == "":
            self.log_view.select(None)
            return False  # any other key does what it always does
        if line is None:
            why = "only your own messages can be edited"
            if is_command_key("UNREACT_SELECTED", key):
                why = "you have not reacted to that message"
            self.model.note(why, EntryKind.ERROR)
            return True
        self.log_view.select(None)
        typed = self.input.edit_text.strip()
        if typed and is_command_key("REPLY_SELECTED", key):
            line += typed  # the reply was being typed: it answers this line
        elif typed:
            self.history.add(typed)  # Up recalls what was there
        self._recall(line)
        return True

    def _pasted(self, text: str) -> None:
        """Pasted text: one line goes on the input line (sent if it ended
        with a line break, as Enter would); several lines are one message."""
        lines = pasted_lines(text)
        typing = self.model.page == Page.ROOM and not self.asking_password
        if len(lines) <= 1 or not typing:
            self.input.insert_text(lines[0] if lines else "")
            if typing and text.endswith(("\n", "\r")):
                self._send()
            return
        at = self.input.edit_pos
        whole = self.input.edit_text[:at] + text + self.input.edit_text[at:]
        self.input.set_edit_text("")
        self.actions.paste(whole)

    def _edit(self, name: str) -> None:
        """A readline edit; what a kill cuts is kept for Ctrl-Y, unless the
        line carries a password (the prompt's, or ``/register``'s)."""
        before = (self.input.edit_text, self.input.edit_pos)
        after = EDITS[name](*before)
        if name in KILLS:
            if self.asking_password or is_secret(before[0]):
                self.kill_ring.forget()
            else:
                self.kill_ring.killed(before, after)
        self._set_line(*after)

    def _set_line(self, text: str, cursor: int) -> None:
        self.input.set_edit_text(text)
        self.input.set_edit_pos(cursor)

    def _scroll(self, key: str) -> None:
        self.log_view.scroll(self.log_view.last_size, key)
        self._update_status_extra()

    def _following_changed(self) -> None:
        """Scrolled: whether the newest line is in view decides what is read."""
        self.model.set_following(self.log_view.following)
        self.actions.seen()

    def _send(self) -> None:
        text = self.input.edit_text
        if self.model.page == Page.LOBBY and not text.strip():
            room = self.room_list.selected_room
            if room is not None:
                self.actions.join(room)
            return
        if not text.strip():
            return
        if self.asking_password:
            if self.actions.sign_in(text):
                self.input.set_edit_text("")
            return
        if self.model.page == Page.ROOM:
            text = reaction_line(text)  # /react ID :tea: reacts 🍵
        if self.actions.submit(text):
            if not is_secret(text):  # a password is never recalled
                self.history.add(text)
            if self.model.page == Page.USERNAME and not is_secret(text):
                # Kept until taken: a refused name is there to correct.
                self._name_sent = text
                return
            self.input.set_edit_text("")

    def _editable(self) -> LogEntry | None:
        """Up on an empty line in a room edits the user's last message, if
        the last line they typed was that message (else Up recalls it: a
        line refused or lost says "↑ recalls it")."""
        if self.model.page != Page.ROOM or self.input.edit_text:
            return None
        mine = self.model.last_own_message()
        typed = self.history.lines[-1] if self.history.lines else ""
        if mine is None or not (typed == mine.text or typed.endswith(f" {mine.text}")):
            return None
        return mine

    def _recall(self, line: str | None) -> None:
        if line is not None:
            self.input.set_edit_text(line)
            self.input.set_edit_pos(len(line))

    def _complete(self) -> None:
        model = self.model
        text = self.input.edit_text
        completed = self.completer.complete(
            text,
            self.input.edit_pos,
            lambda start: completion_candidates(
                text,
                start,
                model.page == Page.ROOM,
                rooms=list(model.rooms),
                members=model.members,
                users=list(model.known_users.values()),
            ),
        )
        if completed is not None:
            text, cursor = completed
            self.input.set_edit_text(text)
            self.input.set_edit_pos(cursor)
        self._show_completion()

    def _show_completion(self) -> None:
        """While Tab cycles emoji, the status bar says which shortcode was
        put in; after, the model's status is back."""
        showing = self.completer.showing
        if showing:
            self.status.set_text(f" {showing}")
        elif self._status_lent:
            self.status.set_text(f" {self.model.status}")
        self._status_lent = bool(showing)
