// The chatroom web client: acting on a message, never by its id (which
// no person reads or types). Each message with an id has a "⋯" button
// (shown while the pointer is over its line or the keyboard is on it; a
// long press or a right click on the line opens it too) with a menu
// under it: Reply, React (reactions.js), Reply in thread (threads.js),
// Edit (your own messages), Delete (your own, or any when you are the
// room's owner or an operator), Pin or Unpin (the owner and operators),
// Copy link (links.js) and Report… (someone else's; in a private
// conversation, Copy link and Report… alone: private.js). A reply, an
// edit or a report's reason is typed in the room's input under a bar
// saying what is answered, edited or reported (Escape or Cancel stops);
// Enter sends /reply ID TEXT, /edit ID TEXT or /report ID [REASON] (a
// reason may be left out). Delete asks first, in a dialog quoting the
// message (a moderator deleting someone else's may give a reason), then
// sends /redact ID [REASON]; Pin sends /pin ID (/unpin ID), in the room
// on screen, and the pinned bar and the log follow its PIN. A line of
// several lines (pasted, or Shift+Enter) goes as one message: /paste
// TEXT.
"use strict";

const compose = {
  mode: null, // "reply", "edit" or "report" while one is being typed
  id: null, // the message it is about
  room: null, // in this room's view
  item: null, // the line whose menu is open
  deleting: null, // the message the delete dialog asks about: { view, id, item }
};

function menuButton(item, user) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "more";
  // Its "⋯" is drawn by style.css: the log's text stays the messages'.
  button.setAttribute("aria-label", `actions on ${user}'s message`);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "message-menu");
  button.addEventListener("click", () => {
    if (compose.item === item) closeMenu();
    else openMenu(item);
  });
  item.addEventListener("contextmenu", (event) => {
    if (!item.dataset.id) return;
    event.preventDefault();
    openMenu(item);
  });
  return button;
}

// The message's own words, from its room's view.
function messageOf(item) {
  return item.dataset.id ? shownRoom().messages.get(item.dataset.id) : undefined;
}

function mayModerate() {
  const room = shownRoom();
  return state.name !== null && (isMe(room.owner) || room.operators.has(nameKey(state.name)));
}

function openMenu(item) {
  const message = messageOf(item);
  if (!message) return;
  closeMenu();
  closePicker();
  compose.item = item;
  const menu = $("message-menu");
  // A private conversation's message (private.js) may only be reported.
  const inRoomView = !shownRoom().private;
  for (const each of ["menu-reply", "menu-react", "menu-thread"]) $(each).hidden = !inRoomView;
  $("menu-edit").hidden = !inRoomView || !isMe(message.user);
  $("menu-delete").hidden = !inRoomView || (!isMe(message.user) && !mayModerate());
  $("menu-pin").hidden = !inRoomView || !mayModerate();
  $("menu-pin").textContent = isPinned(shownRoom(), item.dataset.id) ? "Unpin" : "Pin";
  $("menu-report").hidden = isMe(message.user);
  const box = menu.parentElement.getBoundingClientRect();
  const line = item.getBoundingClientRect();
  menu.style.top = `${Math.max(0, line.bottom - box.top)}px`;
  menu.hidden = false;
  item.querySelector(".more").setAttribute("aria-expanded", "true");
  (inRoomView ? $("menu-reply") : $("menu-report")).focus();
}

// Close the menu (only if it is `item`'s, when one is given).
function closeMenu(item = null, refocus = false) {
  if (!item || pickingFor === item) closePicker();
  if (!compose.item || (item && compose.item !== item)) return;
  const button = compose.item.querySelector(".more");
  compose.item = null;
  $("message-menu").hidden = true;
  if (button) {
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
}

function startCompose() {
  const act = (what) => () => {
    const item = compose.item;
    const message = item && messageOf(item);
    closeMenu();
    if (!message) return;
    const { id } = item.dataset;
    if (what === "delete") { askDelete(item, message); return; }
    if (what === "react") { openPicker(item); return; }
    if (what === "thread") { openThread(shownRoom(), id); return; }
    if (what === "pin") { sendOrKeep(`/${isPinned(shownRoom(), id) ? "unpin" : "pin"} ${id}`); return; }
    if (what === "link") { copyLink(shownRoom(), id, item.querySelector(".more")); return; }
    compose.mode = what;
    compose.id = id;
    compose.room = current;
    const input = $("message-input");
    if (what === "edit") input.value = message.text;
    const quoted = [nameNode(message.user), `: ${startOf(message.text)}`];
    $("compose-what").replaceChildren(...(what === "edit" ? ["Editing your message"]
      : what === "report" ? ["Reporting ", ...quoted, " (type why, or just press Enter)"]
        : ["Replying to ", ...quoted]));
    $("compose-bar").hidden = false;
    input.focus();
  };
  $("menu-reply").addEventListener("click", act("reply"));
  $("menu-react").addEventListener("click", act("react"));
  $("menu-thread").addEventListener("click", act("thread"));
  $("menu-edit").addEventListener("click", act("edit"));
  $("menu-delete").addEventListener("click", act("delete"));
  $("menu-report").addEventListener("click", act("report"));
  $("menu-pin").addEventListener("click", act("pin"));
  $("menu-link").addEventListener("click", act("link"));
  $("delete-dialog").addEventListener("close", deleteAnswered);
  $("message-menu").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeMenu(null, true);
  });
  $("message-menu").addEventListener("focusout", (event) => {
    const menu = $("message-menu");
    if (compose.item && event.relatedTarget && !menu.contains(event.relatedTarget)) closeMenu();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#message-menu, #react-picker, .more")) closeMenu();
  });
  $("compose-cancel").addEventListener("click", () => {
    endCompose();
    $("message-input").focus();
  });
  $("message-input").addEventListener("keydown", (event) => {
    // Escape closing the emoji list over the input (input.js) keeps the reply.
    const closingList = completing && completing.labels;
    if (event.key === "Escape" && compose.mode && !closingList) endCompose();
  });
}

// Delete asks first: a dialog quoting the message; a moderator deleting
// someone else's message may say why (the room reads it in its place).
function askDelete(item, message) {
  const view = shownRoom();
  compose.deleting = { view, id: item.dataset.id, item };
  $("delete-what").replaceChildren(nameNode(message.user), `: ${startOf(message.text)}`);
  const others = !isMe(message.user);
  $("delete-reason-box").hidden = !others;
  $("delete-reason").value = "";
  const dialog = $("delete-dialog");
  dialog.returnValue = "";
  dialog.showModal();
  $(others ? "delete-reason" : "delete-confirm").focus();
}

// The dialog closed: Delete sends /redact in the message's room; Cancel
// (or Escape) does nothing. The focus goes back to the message's ⋯.
function deleteAnswered() {
  const asked = compose.deleting;
  compose.deleting = null;
  if (!asked) return;
  if ($("delete-dialog").returnValue === "delete") {
    const reason = $("delete-reason-box").hidden ? "" : $("delete-reason").value.trim();
    sendOrKeep(`/redact ${asked.id}${reason ? ` ${reason}` : ""}`, asked.view);
  }
  const button = asked.item.querySelector(".more");
  if (button && button.isConnected) button.focus();
  else $("message-input").focus();
}

function endCompose() {
  compose.mode = null;
  compose.id = null;
  compose.room = null;
  $("compose-bar").hidden = true;
}

// A line typed in the room: a reply or an edit under way takes a plain
// line (its line breaks made spaces: a reply and an edit are one line);
// several lines are a paste; anything else is as typed. "" keeps what was
// typed in the input, unsent.
function composeLine(value) {
  const lines = value.includes("\n");
  if (lines && SECRET_COMMAND.test(value)) {
    say("", "not sent: a command with a password is one line", "error");
    return "";
  }
  if (compose.mode && compose.room === current && !value.trimStart().startsWith("/")) {
    const text = lines ? value.split("\n").map((line) => line.trim()).filter(Boolean).join(" ") : value;
    if (!text && compose.mode !== "report") return "";
    // A private message is named by its conversation: /report @USER ID.
    const about = current && current.private ? `@${current.name} ${compose.id}` : compose.id;
    const line = `/${compose.mode} ${about}${text ? ` ${text}` : ""}`;
    endCompose();
    return line;
  }
  endCompose();
  if (current && current.private) return conversationLine(current, value);
  return lines ? pasteLine(value) : outgoing(value);
}

// A paste as the server reads one (docs/protocol.md "Pastes"; WIRE.paste,
// from chatroom/wire/pastes.py): its lines split at any line break, its
// bounds (checked here too, so that a paste too long to send stays in the
// input) and how its text is written on one line.
const PASTE = WIRE.paste;
const PASTE_BREAK = new RegExp(PASTE.lineBreak);
const PASTE_ESCAPED = new RegExp(Object.keys(PASTE.escapes).map(escapeRegExp).join("|"), "g");

// Several lines as one message: `/paste TEXT`, each backslash written
// `\\` and each line break `\n`. Blank lines at either end are dropped,
// as the server drops them.
function pasteLine(value) {
  const lines = value.split(PASTE_BREAK);
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  if (!lines.length) return "";
  const bytes = new TextEncoder().encode(lines.join("")).length;
  if (lines.length > PASTE.maxLines || bytes > PASTE.maxBytes) {
    say("", `not sent: a paste is at most ${PASTE.maxLines} lines and ${PASTE.maxBytes} bytes `
      + `(this one has ${lines.length} lines, ${bytes} bytes)`, "error");
    return "";
  }
  const text = lines.join("\n").replace(PASTE_ESCAPED, (char) => PASTE.escapes[char]);
  return `${PASTE.command} ${text}`;
}
