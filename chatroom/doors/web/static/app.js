// The chatroom web client: the line protocol (docs/protocol.md) over /ws,
// one line per WebSocket text frame. Pages as in the terminal client:
// username, lobby, room. Arriving lines only ever append to the log or
// redraw lists; the input fields are never rewritten, so typing is never
// disturbed. When the connection drops it reconnects with backoff and
// signs in again as the same name (with the account's password, kept in a
// variable of this page only), back into the same room (with the key the
// user typed, if it has one), resuming from the last message it showed
// (/caps ids, /join ROOM since ID): what was said meanwhile is added,
// nothing is shown twice. Everything is put into the page as text, never
// as HTML.
"use strict";

// How many fields precede the free text of each event (chatroom/wire.py).
// Events missing here (BANS, GBANS) are lists: every word is a field.
const FIELDS = {
  HELLO: 2, WELCOME: 1, ROOMS: 1, ROOM: 3, JOINED: 3, HISTORY: 3,
  HISTORY_ACTION: 3, JOIN: 2, PART: 2, NICK: 2, TOPIC: 2, MSG: 3, ACTION: 3,
  PRIVMSG: 3, LEFT: 1, DELETED: 2, BYE: 0, ERR: 1, PING: 0, PONG: 0, HELP: 0,
  OWNER: 2, LOBBY: 0, NOTICE: 1, SLOW: 1, MEMBERS: 1, ROOM_GONE: 1,
  CAPS: 1, GAP: 2, HISTORY_END: 2,
  REGISTERED: 1, PASSWORD_CHANGED: 1, UNREGISTERED: 1, OP: 3, DEOP: 3,
  KICK: 3, KICKED: 2, BAN: 3, UNBAN: 3, SET: 4, INVITE: 3, INVITED: 2,
  INFO: 2, INFO_END: 1, ANNOUNCE: 1, KILLED: 2, GBAN: 2, GUNBAN: 2,
  EDIT: 4, REDACT: 3,
};
const MAX_BACKOFF = 10000;
const MAX_NOTICES = 5;
// Refusals of the username step: the name (and password) are forgotten and
// the name form asks again.
const SIGN_IN_ERRORS = new Set([
  "BAD_NAME", "NAME_TAKEN", "NAME_REGISTERED", "BAD_PASSWORD", "NO_SUCH_ACCOUNT",
  "RATE_LIMITED", "BANNED", "ACCOUNT_REQUIRED", "BAD_ARGS", "NOT_ALLOWED",
]);
// Goodbyes after which reconnecting by itself would be wrong: two tabs
// signed in to one account would take the name from each other for ever.
const FINAL_BYE = /^(signed in elsewhere|killed by |banned from this server)/;
// Commands that carry a password: never sent as a message by mistake.
const SECRET_COMMAND = /^\s*\/(register|password|unregister|login)(\s|$)/i;

const state = {
  ws: null, page: null, name: sessionStorage.getItem("chatroom.name"),
  room: sessionStorage.getItem("chatroom.room"), rooms: new Map(),
  members: [], owner: "", operators: new Set(), backoff: 500, quitting: false,
  retry: null, signedIn: false, rejoining: false, stopped: null,
  // The id of the last stored event shown (from "@ID " prefixes), and
  // whether the join under way resumes from it.
  lastId: null, resuming: false,
  // The account signed in to and its password: the password in these
  // variables only, never in storage, a cookie or the page (the account's
  // name is kept for the tab, so that a reloaded page asks for it). Secrets
  // typed but not yet confirmed by the server wait in `pending`.
  account: sessionStorage.getItem("chatroom.account"), password: null, renameTo: null,
  pending: { login: null, register: null, newPassword: null, roomKey: null },
  // Room keys the user typed (by name key), for joining again; in memory only.
  keys: new Map(), pendingKeys: new Map(),
  joining: null, // the room a click asked to join (a refusal may ask its key)
  quietInfo: false, // the /info sent on joining, to mark the operators
};

const $ = (id) => document.getElementById(id);
// Names compare as the server compares them (NFKC, then case folding).
const nameKey = (name) => name.normalize("NFKC").toLowerCase();
const isMe = (name) => state.name !== null && nameKey(name) === nameKey(state.name);

function parse(line) {
  let id = null;
  if (line.startsWith("@")) { // "@ID " before a stored event (/caps ids)
    const end = line.indexOf(" ");
    id = line.slice(1, end);
    line = line.slice(end + 1);
  }
  const space = line.indexOf(" ");
  const name = space < 0 ? line : line.slice(0, space);
  let rest = space < 0 ? "" : line.slice(space + 1);
  const count = name in FIELDS ? FIELDS[name] : Infinity;
  const fields = [];
  if (name === "MEMBERS") {
    return { name, fields: rest.split(" ").filter(Boolean), text: "", id };
  }
  while (fields.length < count && rest !== "") {
    const next = rest.indexOf(" ");
    if (next < 0) { fields.push(rest); rest = ""; } else {
      fields.push(rest.slice(0, next)); rest = rest.slice(next + 1);
    }
  }
  return { name, fields, text: count === Infinity ? "" : rest, id };
}

// -- connection ---------------------------------------------------------------

function connect() {
  state.retry = null;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  state.ws = ws;
  state.signedIn = false;
  setStatus("connecting…", true);
  ws.onopen = () => setStatus("connected", false);
  ws.onmessage = (event) => handle(parse(event.data));
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    if (state.quitting) {
      setStatus(state.stopped ? `disconnected: ${state.stopped}` : "disconnected", true);
      return;
    }
    const seconds = Math.round(state.backoff / 100) / 10;
    setStatus(`disconnected: reconnecting in ${seconds}s`, true);
    state.retry = setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF);
  };
}

function send(line) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(line);
    return true;
  }
  showError("not connected: waiting to reconnect");
  return false;
}

// Stop for good (until the user asks): no reconnecting by itself.
function stop(reason) {
  state.quitting = true;
  state.stopped = reason;
  clearTimeout(state.retry);
  state.retry = null;
  notice(`Disconnected: ${reason}. This page will not reconnect by itself.`, "stopped", {
    label: "Reconnect",
    act() {
      state.quitting = false;
      state.stopped = null;
      state.backoff = 500;
      if (!state.ws) connect();
    },
  });
}


// -- drawing (never touches an input) -----------------------------------------

function show(page) {
  if (page !== state.page) hideError();
  state.page = page;
  for (const name of ["username", "lobby", "room"]) {
    $(`${name}-page`).hidden = name !== page;
  }
  if (page !== "lobby") $("key-form").hidden = true;
  const focus = { username: "name-input", lobby: "create-input", room: "message-input" };
  $(focus[page]).focus();
}

function leaveRoom() {
  state.room = null;
  state.lastId = null;
  state.rejoining = false;
  state.resuming = false;
  sessionStorage.removeItem("chatroom.room");
  show("lobby");
}

function keepAccount() {
  if (state.account) sessionStorage.setItem("chatroom.account", state.account);
  else sessionStorage.removeItem("chatroom.account");
}

function removeMember(user) {
  state.members = state.members.filter((m) => m !== user);
  drawMembers();
}

function drawWhoami() {
  $("whoami").textContent = state.name || "";
  $("account").hidden = !state.account;
}

function drawRooms() {
  const list = $("room-list");
  list.replaceChildren(...[...state.rooms.values()].map((room) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.room = room.name;
    const name = document.createElement("strong");
    name.textContent = room.name;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `${room.members}/${room.capacity}`;
    const topic = document.createElement("span");
    topic.textContent = room.topic;
    button.append(name, count, topic);
    button.addEventListener("click", () => join(room.name));
    item.append(button);
    return item;
  }));
}

function drawMembers() {
  $("members").replaceChildren(...state.members.map((member) => {
    const item = document.createElement("li");
    item.textContent = member;
    if (member === state.owner) item.className = "owner";
    else if (state.operators.has(nameKey(member))) {
      item.className = "operator";
      item.title = "operator";
    }
    return item;
  }));
}

function say(time, text, kind, where = "log") {
  const log = $(where);
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const item = document.createElement("li");
  item.className = kind;
  if (time) {
    const stamp = document.createElement("span");
    stamp.className = "time";
    stamp.textContent = new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    item.append(stamp);
  }
  item.append(document.createTextNode(text));
  log.append(item);
  if (where === "lobby-log") {
    while (log.childElementCount > 50) log.firstElementChild.remove();
    log.hidden = false;
  }
  if (atBottom) log.scrollTop = log.scrollHeight;
}

// What happens in the room: shown only in the room's log.
function info(text) { if (state.page === "room") say("", text, "info"); }

// Replies to the user's own commands: in the room's log, or the lobby's.
function system(text) {
  if (state.page === "room") say("", text, "system");
  else if (state.page === "lobby") say("", text, "system", "lobby-log");
  else showError(text);
}

// A notice above every page, until dismissed: kicks, invitations,
// announcements, the end of the session. `action` adds a button.
function notice(text, kind, action = null) {
  const item = document.createElement("li");
  item.className = kind;
  const words = document.createElement("span");
  words.textContent = text;
  item.append(words);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "act";
    button.textContent = action.label;
    button.addEventListener("click", () => { item.remove(); action.act(); });
    item.append(button);
  }
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "dismiss";
  dismiss.textContent = "×";
  dismiss.setAttribute("aria-label", "dismiss");
  dismiss.addEventListener("click", () => item.remove());
  item.append(dismiss);
  const list = $("notices");
  list.append(item);
  while (list.childElementCount > MAX_NOTICES) list.firstElementChild.remove();
}

function showMask(mask) {
  const [kind, name] = mask.split(":");
  return name ? `${name} (${kind === "account" ? "the account" : "the name"})` : mask;
}

function describeSetting(setting, value) {
  const on = value === "on";
  const words = {
    "invite-only": on ? "made the room invite-only" : "opened the room to everyone",
    key: on ? "set a key on the room" : "removed the room's key",
    "topic-lock": on ? "locked the topic (only operators set it)" : "unlocked the topic",
    keep: on ? "keeps the room (it stays when empty)" : "no longer keeps the room",
  };
  return words[setting] || `set ${setting} ${value}`;
}

function setStatus(text, down) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("down", down);
}

function showError(text) { const e = $("error"); e.textContent = text; e.hidden = false; }
function hideError() { $("error").hidden = true; }

// -- what the user does --------------------------------------------------------

function join(room, key = "") {
  state.joining = room;
  $("key-form").hidden = true;
  if (key) state.pendingKeys.set(nameKey(room), key);
  return send(key ? `/join ${room} ${key}` : `/join ${room}`);
}

function askKey(room) {
  state.joining = room;
  $("key-label").textContent = `${room} needs a key:`;
  $("key-form").dataset.room = room;
  $("key-form").hidden = false;
  $("key-input").focus();
}

// A line the user typed: note the secrets it carries (kept once the server
// confirms them) and make sure one carrying a password is sent as a
// command, never as a message. Nothing typed is ever shown.
function outgoing(line) {
  if (SECRET_COMMAND.test(line)) line = line.trimStart();
  if (!line.startsWith("/")) return line;
  const words = line.trim().split(/\s+/);
  const command = words[0].toLowerCase();
  if (command === "/register" && words.length === 2) state.pending.register = words[1];
  else if (command === "/password" && words.length === 3) state.pending.newPassword = words[2];
  else if (command === "/join" && words.length >= 3 && words[2].toLowerCase() !== "since") {
    state.pendingKeys.set(nameKey(words[1]), words[2]);
  } else if (command === "/set" && words.length === 3 && words[1].toLowerCase() === "key") {
    state.pending.roomKey = words[2];
  } else if (command === "/quit") stop("you quit");
  return line;
}

function onSubmit(formId, inputId, toLine, keep = false) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $(inputId);
    const line = toLine(input.value);
    if (line && send(line) && !keep) input.value = "";
  });
}

$("name-form").addEventListener("submit", (event) => {
  event.preventDefault();
  // The name is kept in its field (a refused name is easier to fix than to
  // retype); the password field is emptied as it is sent.
  const name = $("name-input").value.trim();
  const password = $("password-input").value;
  const register = $("register-input").checked;
  if (!name) return;
  if (register && !password) {
    showError("choose a password (8 characters or more, no spaces) to register the name");
    $("password-input").focus();
    return;
  }
  if (/\s/.test(password)) { showError("passwords have no spaces"); return; }
  hideError();
  const line = password ? `${register ? "/register" : "/login"} ${name} ${password}` : name;
  if (!send(line)) return;
  state.name = name;
  state.renameTo = null;
  state.pending.login = password ? { password } : null;
  $("password-input").value = "";
});
$("register-input").addEventListener("change", () => {
  const register = $("register-input").checked;
  $("password-input").autocomplete = register ? "new-password" : "current-password";
  $("password-input").placeholder = register ? "new password" : "password (if registered)";
});
onSubmit("create-form", "create-input", (value) => {
  const text = value.trim();
  if (!text) return null;
  return text.startsWith("/") ? outgoing(text) : `/create ${text}`;
});
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key || !join($("key-form").dataset.room, key)) return;
  $("key-input").value = "";
  $("key-form").hidden = true;
});
onSubmit("message-form", "message-input", (value) => (value ? outgoing(value) : null));
$("leave-button").addEventListener("click", () => send("/leave"));
window.addEventListener("beforeunload", () => { state.quitting = true; });

connect();
