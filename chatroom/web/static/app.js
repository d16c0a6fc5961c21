// The chatroom web client: the line protocol (docs/protocol.md) over /ws,
// one line per WebSocket text frame. Pages as in the terminal client:
// username, lobby, room. Arriving lines only ever append to the log or
// redraw lists; the input fields are never rewritten, so typing is never
// disturbed. When the connection drops it reconnects with backoff and
// signs in again as the same name, back into the same room, resuming from
// the last message it showed (/caps ids, /join ROOM since ID): what was
// said meanwhile is added, nothing is shown twice.
"use strict";

// How many fields precede the free text of each event (chatroom/wire.py).
const FIELDS = {
  HELLO: 2, WELCOME: 1, ROOMS: 1, ROOM: 3, JOINED: 3, HISTORY: 3,
  HISTORY_ACTION: 3, JOIN: 2, PART: 2, NICK: 2, TOPIC: 2, MSG: 3, ACTION: 3,
  PRIVMSG: 3, LEFT: 1, DELETED: 2, BYE: 0, ERR: 1, PING: 0, PONG: 0, HELP: 0,
  OWNER: 2, LOBBY: 0, NOTICE: 1, SLOW: 1, MEMBERS: 1, ROOM_GONE: 1,
  CAPS: 1, GAP: 2, HISTORY_END: 2,
};
const MAX_BACKOFF = 10000;

const state = {
  ws: null, page: null, name: sessionStorage.getItem("chatroom.name"),
  room: sessionStorage.getItem("chatroom.room"), rooms: new Map(),
  members: [], owner: "", backoff: 500, quitting: false, retry: null,
  signedIn: false, rejoining: false,
  // The id of the last stored event shown (from "@ID " prefixes), and
  // whether the join under way resumes from it.
  lastId: null, resuming: false,
};

const $ = (id) => document.getElementById(id);

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
    if (state.quitting) { setStatus("disconnected", true); return; }
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

// -- what the server says -----------------------------------------------------

const handlers = {
  HELLO() {
    if (state.name) send(state.name); else show("username");
  },
  WELCOME([name]) {
    state.signedIn = true;
    state.name = name;
    state.backoff = 500;
    sessionStorage.setItem("chatroom.name", name);
    $("whoami").textContent = name;
    hideError();
    send("/watch on");
    send("/caps ids");
    if (state.room) {
      state.rejoining = true;
      state.resuming = state.lastId !== null;
      send(state.resuming ? `/join ${state.room} since ${state.lastId}` : `/join ${state.room}`);
    } else show("lobby");
  },
  ROOMS() { state.rooms.clear(); drawRooms(); },
  ROOM([name, members, capacity], topic) {
    state.rooms.set(name, { name, members, capacity, topic });
    drawRooms();
  },
  ROOM_GONE([name]) { state.rooms.delete(name); drawRooms(); },
  JOINED([room]) {
    state.rejoining = false;
    const resumed = state.resuming && room === state.room;
    state.resuming = false;
    state.room = room;
    sessionStorage.setItem("chatroom.room", room);
    $("room-title").textContent = room;
    $("topic").textContent = "";
    if (resumed) info("reconnected: what was said meanwhile follows");
    else { $("log").replaceChildren(); state.lastId = null; }
    state.owner = "";
    show("room");
    send("/who"); // its OWNER line marks the owner in the member list
  },
  MEMBERS([, ...names]) { state.members = names; drawMembers(); },
  GAP([, count]) {
    info(count === "?" ? "earlier messages were missed" : `${count} earlier messages were missed`);
  },
  HISTORY([, user, time], text) { say(time, `<${user}> ${text}`, "history"); },
  HISTORY_ACTION([, user, time], text) { say(time, `* ${user} ${text}`, "history"); },
  MSG([, user, time], text) { say(time, `<${user}> ${text}`, "message"); },
  ACTION([, user, time], text) { say(time, `* ${user} ${text}`, "message"); },
  PRIVMSG([from, to, time], text) { say(time, `[${from} → ${to}] ${text}`, "private"); },
  TOPIC([, user], text) {
    $("topic").textContent = text;
    info(`${user} set the topic: ${text}`);
  },
  OWNER([, user]) {
    const changed = state.owner !== "" && state.owner !== user;
    state.owner = user;
    drawMembers();
    if (changed) info(`${user} owns the room now`);
  },
  JOIN([, user]) { state.members.push(user); drawMembers(); info(`${user} joined`); },
  PART([, user], reason) {
    state.members = state.members.filter((m) => m !== user);
    drawMembers();
    info(`${user} left (${reason})`);
  },
  NICK([old, name]) {
    state.members = state.members.map((m) => (m === old ? name : m));
    if (old === state.name) {
      state.name = name;
      sessionStorage.setItem("chatroom.name", name);
      $("whoami").textContent = name;
    }
    drawMembers();
    info(`${old} is now ${name}`);
  },
  LEFT() { leaveRoom(); },
  DELETED([room, by]) { leaveRoom(); showError(`${by} deleted ${room}`); },
  NOTICE(_, text) { info(text); },
  SLOW(_, text) { info(text); },
  HELP(_, text) { info(text); },
  PING(_, token) { send(`PONG ${token}`); },
  ERR([code], text) {
    if (!state.signedIn && (code === "NAME_TAKEN" || code === "BAD_NAME")) {
      state.name = null;
      sessionStorage.removeItem("chatroom.name");
      show("username");
    }
    if (code === "NO_SUCH_ROOM" && state.rejoining) {
      // The server restarted and forgot the room: bring it back.
      state.rejoining = false;
      state.resuming = false;
      send(`/create ${state.room}`);
      return;
    }
    if (code === "NO_SUCH_ROOM" || code === "ROOM_FULL") {
      state.rejoining = false;
      state.resuming = false;
    }
    if (state.page === "room") say("", `${code}: ${text}`, "error");
    else showError(`${code}: ${text}`);
    if (!state.page) show(state.signedIn ? "lobby" : "username");
  },
  BYE(_, reason) { setStatus(`server said goodbye: ${reason}`, true); },
};

function handle(event) {
  if (event.id !== null) state.lastId = event.id;
  const handler = handlers[event.name];
  if (handler) handler(event.fields, event.text);
}

// -- drawing (never touches an input) -----------------------------------------

function show(page) {
  if (page !== state.page) hideError();
  state.page = page;
  for (const name of ["username", "lobby", "room"]) {
    $(`${name}-page`).hidden = name !== page;
  }
  const focus = { username: "name-input", lobby: "create-input", room: "message-input" };
  $(focus[page]).focus();
}

function leaveRoom() {
  state.room = null;
  state.lastId = null;
  sessionStorage.removeItem("chatroom.room");
  show("lobby");
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
    button.addEventListener("click", () => send(`/join ${room.name}`));
    item.append(button);
    return item;
  }));
}

function drawMembers() {
  $("members").replaceChildren(...state.members.map((member) => {
    const item = document.createElement("li");
    item.textContent = member;
    if (member === state.owner) item.className = "owner";
    return item;
  }));
}

function say(time, text, kind) {
  const log = $("log");
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
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function info(text) { if (state.page === "room") say("", text, "info"); }

function setStatus(text, down) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("down", down);
}

function showError(text) { const e = $("error"); e.textContent = text; e.hidden = false; }
function hideError() { $("error").hidden = true; }

// -- what the user does --------------------------------------------------------

function onSubmit(formId, inputId, toLine, keep = false) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $(inputId);
    const line = toLine(input.value);
    if (line && send(line) && !keep) input.value = "";
  });
}

onSubmit("name-form", "name-input", (value) => {
  const name = value.trim();
  if (!name) return null;
  hideError();
  state.name = name;
  return name;
}, true); // kept: a refused name is easier to fix than to retype
onSubmit("create-form", "create-input", (value) => {
  const name = value.trim();
  return name ? `/create ${name}` : null;
});
onSubmit("message-form", "message-input", (value) => (value ? value : null));
$("leave-button").addEventListener("click", () => send("/leave"));
window.addEventListener("beforeunload", () => { state.quitting = true; });

connect();
