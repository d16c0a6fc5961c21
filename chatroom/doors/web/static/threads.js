// The chatroom web client: threads, pins and a room's notification level
// (docs/protocol.md "Threads", "Pins", "Notification levels").
//
// A thread's message (its `thread` tag) whose root is loaded is kept out
// of the room's log: under the root, a button says "N replies, last by X
// at T", and opens the thread in a panel beside the log: the root, then
// the thread's messages (with their menus, reactions and edits, as in the
// log), and a field whose Enter sends `/thread ROOT TEXT`. A message's
// menu has "Reply in thread", which opens that panel for it (a new thread
// when it has none). A thread's message whose root is not loaded stays in
// the log, quoting the root as a reply does.
//
// The room's pinned messages are a bar at the top of the room: asked for
// quietly (`/pins`) when the joiner's welcome says there are some (PINS),
// kept by PIN and UNPIN; a pin clicked shows its message when it is loaded.
// A pin or unpin is said in the log with the message's author and start
// (*Alice Liddell pinned a message by bob: “rules: be kind”*: a message
// not loaded here is named once the quiet /pins that follows tells its
// words). A typed /pins is answered in the log too.
//
// The room header's "Notify" menu (signed-in accounts) shows and sets the
// account's level for the room (`/notify ROOM LEVEL`), asked for quietly
// on joining; a muted room (`none`) counts no unread messages and
// highlights nothing.
"use strict";

const NOTIFY_LEVELS = ["all", "mentions", "none"];
// How much of a pinned message a pin's log line quotes.
const PIN_QUOTE_LENGTH = 60;

// -- threads ----------------------------------------------------------------------

const threadPanel = { view: null, root: null }; // the thread shown, if any

// The thread rooted at `root` in `view` (made when first needed).
function threadOf(view, root) {
  if (!view.threads.has(root)) {
    const log = document.createElement("ol");
    log.className = "log thread-log";
    log.setAttribute("aria-label", "the thread's messages");
    view.threads.set(root, { log, count: 0, lastUser: "", lastTime: "", summary: null });
  }
  return view.threads.get(root);
}

// A thread's message (roomMessage, rich.js): kept in its thread when its
// root is loaded here (true), else left for the log (false).
function keptInThread(view, event, item, user, time) {
  const root = event.tags.thread;
  const original = view.messages.get(root);
  if (root === undefined || !original || original.gone) return false;
  const thread = threadOf(view, root);
  thread.log.append(item);
  thread.count += 1;
  thread.lastUser = user;
  thread.lastTime = time;
  drawThreadSummary(original, thread, root);
  if (threadPanel.view === view && threadPanel.root === root) {
    thread.log.scrollTop = thread.log.scrollHeight;
  }
  return true;
}

// Whether a message's line went into its thread (not the room's log).
function inThread(item) {
  return item.parentElement !== null && item.parentElement.classList.contains("thread-log");
}

// A live message's line: into the room's log, unless it went into its thread.
function toLog(item) {
  if (!inThread(item)) appendToLog(item);
}

// "2 replies, last by bob at 14:02", a button under the root.
function drawThreadSummary(original, thread, root) {
  if (!thread.summary || !thread.summary.isConnected) {
    thread.summary = document.createElement("button");
    thread.summary.type = "button";
    thread.summary.className = "thread-summary";
    thread.summary.addEventListener("click", () => openThread(shownRoom(), root));
    const chips = original.item.querySelector(".reactions");
    if (chips) chips.before(thread.summary);
    else original.item.append(thread.summary);
  }
  const at = new Date(thread.lastTime).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  thread.summary.replaceChildren(`${thread.count} repl${thread.count === 1 ? "y" : "ies"}, last by `,
    nameNode(thread.lastUser), ` at ${at}`);
}

// The thread of message `id` (its own, or the one it is in) in the panel.
function openThread(view, id) {
  const message = view.messages.get(id);
  if (!message) return;
  const root = message.item.dataset.thread || id;
  const original = view.messages.get(root);
  if (!original) return;
  threadPanel.view = view;
  threadPanel.root = root;
  const stamp = original.item.querySelector("time");
  const head = messageLine(stamp ? stamp.dateTime : "", original.user, original.text, "message thread-root");
  dressAuthor(head, original.user);
  $("thread-root").replaceChildren(head);
  const thread = threadOf(view, root);
  $("thread-messages").replaceChildren(thread.log);
  $("thread-panel").hidden = false;
  thread.log.scrollTop = thread.log.scrollHeight;
  $("thread-input").focus();
}

function closeThread() {
  threadPanel.view = null;
  threadPanel.root = null;
  $("thread-panel").hidden = true;
}

// Another room shown: its own thread panel is closed.
function threadPanelFor(view) {
  if (threadPanel.view !== view) closeThread();
}

// -- pins -------------------------------------------------------------------------

// The pinned bar of the room shown: each pin a button (its message shown
// when it is loaded here).
function drawPins() {
  const view = shownRoom();
  const pins = view.pins || [];
  $("pinned").hidden = !pins.length || Boolean(view.private);
  $("pinned-heading").textContent = pins.length === 1 ? "Pinned" : `Pinned (${pins.length})`;
  $("pins").replaceChildren(...pins.map(({ id, user, text }) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "pin";
    button.dataset.id = id;
    const nick = nameNode(user);
    nick.classList.add("nick", nickClass(user));
    button.append(nick, document.createTextNode(`: ${text}`));
    button.addEventListener("click", () => showPinned(view, id));
    item.append(button);
    return item;
  }));
}

function isPinned(view, id) { return (view.pins || []).some((pin) => pin.id === id); }

// "Alice Liddell pinned a message by bob: “rules: be kind”" (`pin`: the
// message's author and words, when known).
function pinWords(by, verb, pin) {
  const words = [nameNode(by), ` ${verb} a message`];
  if (pin) words.push(" by ", nameNode(pin.user), `: “${startOf(pin.text, PIN_QUOTE_LENGTH)}”`);
  return words;
}

// A pin's log line said before its message's words were known: named once
// the quiet /pins answers (PINS_END).
function namePinLines(view) {
  for (const [id, { line, by, verb }] of view.pinLines) {
    const pin = view.pins.find((each) => each.id === id);
    if (pin) line.replaceChildren(...pinWords(by, verb, pin));
  }
  view.pinLines.clear();
}

function showPinned(view, id) {
  const message = view.messages.get(id);
  if (!message || message.gone || !message.item.isConnected) return;
  if (message.item.closest(".thread-log")) { openThread(view, id); return; }
  message.item.scrollIntoView({ block: "center" });
}

// The pins of `view` asked for by the page, in that room (their answer
// drawn in the bar, not said).
function askPins(view) {
  view.pinsQuiet += 1;
  askIn(view, "/pins");
}

// -- notification levels ----------------------------------------------------------

function muted(view) { return view.level === "none"; }

function drawLevel() {
  const view = shownRoom();
  const select = $("notify-level");
  $("notify-box").hidden = !state.account || !current || Boolean(view.private);
  select.value = NOTIFY_LEVELS.includes(view.level) ? view.level : "mentions";
}

// On joining (askRoomDetails): the account's level here, quietly.
function askLevel(view) {
  if (!state.account) return;
  view.levelQuiet += 1;
  send(`/notify ${view.name}`);
}

const threadHandlers = {
  PIN({ message: id, by }) {
    const view = target();
    const message = view.messages.get(id);
    if (message && !message.gone) {
      const stamp = message.item.querySelector("time");
      const pin = { id, user: message.user, text: message.text, time: stamp ? stamp.dateTime : "" };
      info(pinWords(by, "pinned", pin));
      view.pins = [...view.pins.filter((each) => each.id !== id), pin];
      if (view === shownRoom()) drawPins();
    } else {
      const line = info(pinWords(by, "pinned", null));
      if (line && view !== noRoom) {
        view.pinLines.set(id, { line, by, verb: "pinned" });
        askPins(view);
      }
    }
  },
  UNPIN({ message: id, by }) {
    const view = target();
    const message = view.messages.get(id);
    const pin = view.pins.find((each) => each.id === id)
      || (message && !message.gone ? { user: message.user, text: message.text } : null);
    info(pinWords(by, "unpinned", pin));
    view.pins = view.pins.filter((each) => each.id !== id);
    if (view === shownRoom()) drawPins();
  },
  PINNED({ message: id, user, time }, text) {
    const view = target();
    view.pinsComing.push({ id, user, text, time });
    if (!view.pinsQuiet) system(`pinned #${id} by ${user}: ${text}`);
  },
  PINS_END({ room, count }) {
    const view = target();
    view.pins = view.pinsComing;
    view.pinsComing = [];
    namePinLines(view);
    if (view === shownRoom()) drawPins();
    if (view.pinsQuiet) view.pinsQuiet -= 1;
    else system(`(${room} has ${count} pinned message${count === "1" ? "" : "s"})`);
  },
  // The joiner's welcome: the room has pins, asked for at once for the
  // pinned bar (which says so: no line in the log).
  PINS() { if (inRoom()) askPins(target()); },
  NOTIFY({ room, level }) {
    const view = target();
    const quiet = view.levelQuiet > 0;
    if (quiet) view.levelQuiet -= 1;
    if (view !== noRoom) {
      view.level = level;
      if (muted(view)) { view.unread = 0; view.mentions = 0; }
      drawLevel();
      drawSidebar();
      drawTitle();
    }
    if (!quiet) system(`${room} notifies you of: ${level}`);
  },
};

function startThreads() {
  $("thread-close").addEventListener("click", closeThread);
  $("thread-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeThread();
  });
  $("thread-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("thread-input");
    const text = input.value.split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
    if (!text || !threadPanel.root) return;
    if (sendOrKeep(`/thread ${threadPanel.root} ${text}`, threadPanel.view)) input.value = "";
  });
  $("notify-level").addEventListener("change", (event) => {
    if (current) sendOrKeep(`/notify ${current.name} ${event.target.value}`);
  });
}
