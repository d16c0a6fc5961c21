// The chatroom web client: drawing. Pages, lists, log lines, notices, the
// connection banner. Nothing here ever touches what the user is typing.
"use strict";

// How long a notice that belongs to a moment (a kick, an invitation) stays
// above the page; it is in the log as well.
const MOMENT_MS = 60000;
const MAX_NOTICES = 5;

function show(page) {
  if (page !== state.page) hideError();
  state.page = page;
  for (const name of ["username", "lobby", "room"]) {
    $(`${name}-page`).hidden = name !== page;
  }
  if (page !== "lobby") $("key-form").hidden = true;
  $("search-form").hidden = page === "username";
  drawHeaderMenu();
  if (page === "username") closePanel();
  const focus = { username: "name-input", lobby: "create-input", room: "message-input" };
  $(focus[page]).focus();
  drawTitle();
  if (page === "room") keepNewest(true);
  drawSidebar();
}

// In no room any more (rooms.js has dropped the last): to the lobby.
function leaveRoom() {
  state.room = null;
  state.rejoining = false;
  state.rejoinQueue = [];
  state.outbox = [];
  keepShown(null);
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

// The name signed in as (a button: the user's own profile card), and
// what an account has in the header.
function drawWhoami() {
  $("whoami").textContent = state.name || "";
  $("whoami").hidden = !state.name;
  $("account").hidden = !state.account;
  $("signout-button").hidden = !state.account;
  drawAttach();
  drawPushButton();
  $("export-button").hidden = !state.account;
  drawHeaderMenu();
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
    count.setAttribute("aria-label", `${room.members} of ${room.capacity} people`);
    const topic = document.createElement("span");
    topic.className = "room-topic";
    topic.textContent = room.topic;
    button.append(name, count, topic);
    button.addEventListener("click", () => {
      const view = viewOf(room.name);
      if (view) focusRoom(view); // a room the user is in already
      else join(room.name);
    });
    item.append(button);
    return item;
  }));
  $("rooms-empty").hidden = state.rooms.size > 0;
  const more = $("rooms-more");
  more.hidden = !state.roomsMore;
  more.textContent = `${state.roomsMore} more rooms: type /list to see them all.`;
}

// The current room's members (whichever room an event is about).
function drawMembers() {
  const room = shownRoom();
  if (current) wantMemberProfiles(room.members);
  $("members").replaceChildren(...room.members.map((member) => {
    const item = document.createElement("li");
    dressMember(item, member);
    item.classList.add(nickClass(member));
    if (member === room.owner) {
      item.classList.add("owner");
      item.title = "owner";
    } else if (room.operators.has(nameKey(member))) {
      item.classList.add("operator");
      item.title = "operator";
    }
    return item;
  }));
  const count = room.total === null || room.total === undefined
    ? room.members.length : `${room.members.length} of ${room.total}`;
  $("members-heading").textContent = document.body.classList.contains("offline")
    ? "Members (offline)" : `Members (${count})`;
  $("members-button").textContent = `Members (${count})`;
  drawModlogButton();
}

// A line of the log (the room's, or the lobby's): `text` as text (or a
// list of texts and nodes: a person named by nameNode), after the time if
// there is one. Returns the line.
function say(time, text, kind, where = "log") {
  const item = logLine(time, kind);
  item.append(...(Array.isArray(text) ? text : [text]));
  return place(item, where);
}

function logLine(time, kind) {
  const item = document.createElement("li");
  item.className = kind;
  if (time) {
    const stamp = document.createElement("time");
    stamp.className = "time";
    stamp.dateTime = time;
    stamp.textContent = new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    item.append(stamp);
  }
  return item;
}

function place(item, where) {
  const log = $(where);
  if (where === "lobby-log") {
    log.append(item);
    while (log.childElementCount > 50) log.firstElementChild.remove();
    log.hidden = false;
    log.scrollTop = log.scrollHeight;
  } else appendToLog(item);
  return item;
}

// A message, an action or a private message: the sender in their colour
// (their name a button that opens their profile card: card.js), its
// Markdown formatted (an action's words plain, links clickable:
// format.js), the line marked when it names the user. Returns the
// line without placing it (older messages are put above the others).
function messageLine(time, user, text, kind, { action = false, to = null } = {}) {
  const item = logLine(time, kind);
  const nick = document.createElement("button");
  nick.type = "button";
  nick.className = `nick ${nickClass(user)}`;
  nick.dataset.form = to !== null ? `to ${to}` : action ? "action" : "said";
  nick.textContent = nickWords(user, nick.dataset.form);
  nick.addEventListener("click", () => openCard(user));
  const words = document.createElement("span");
  words.className = "text";
  appendMessageText(words, text, action);
  item.append(nick, document.createTextNode(" "), words);
  // A muted room (threads.js) highlights nothing.
  if (!isMe(user) && mentionsMe(text) && !muted(target())) item.classList.add("mention");
  return item;
}

// How a message line names its author, by its form: `<Alice (alice)>`,
// `* Alice (alice)` (an action), `[Alice (alice) → operators]`.
function nickWords(user, form) {
  const name = shownName(user);
  if (form.startsWith("to ")) return `[${name} → ${form.slice(3)}]`;
  return form === "action" ? `* ${name}` : `<${name}>`;
}

// What happens in a room: shown only in that room's log (`text` as say's).
function info(text) { return inRoom() ? say("", text, "info") : null; }

// Replies to the user's own commands: in the room's log, or the lobby's.
function system(text) {
  if (state.page === "room") return say("", text, "system");
  if (state.page === "lobby") return say("", text, "system", "lobby-log");
  showError(text);
  return null;
}

// A reply that is a page element (the help): in the room's or lobby's log.
function systemNode(node) {
  const item = logLine("", "system help-line");
  item.append(node);
  if (state.page === "room") place(item, "log");
  else if (state.page === "lobby") place(item, "lobby-log");
}

// A notice above every page: announcements stay until dismissed; those of
// a moment (`moment`: a kick, an invitation) go by themselves after a
// minute, on the next join and on a reconnect. `action` adds a button.
function notice(text, kind, action = null, moment = false) {
  const item = document.createElement("li");
  item.className = kind;
  if (moment) item.classList.add("moment");
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
  dismiss.setAttribute("aria-label", `dismiss: ${text}`);
  dismiss.addEventListener("click", () => item.remove());
  item.append(dismiss);
  const list = $("notices");
  list.append(item);
  while (list.childElementCount > MAX_NOTICES) list.firstElementChild.remove();
  if (moment) setTimeout(() => item.remove(), MOMENT_MS);
}

function clearMoments() {
  for (const item of document.querySelectorAll("#notices .moment")) item.remove();
}

function setStatus(text, down) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("down", down);
}

function showError(text) {
  const shown = $("error");
  shown.replaceChildren(...(Array.isArray(text) ? text : [text]));
  shown.hidden = false;
}
function hideError() { $("error").hidden = true; }

// -- the connection banner -------------------------------------------------------

// The connection went: a banner says so (with the server's reason, if it
// gave one), the input and the member list are marked offline, and the
// room's log gets a line.
function lostConnection(headline = null) {
  const wasOnline = !document.body.classList.contains("offline");
  document.body.classList.add("offline");
  const reason = state.bye ? `The server said: ${state.bye}.` : "";
  $("connection-headline").textContent = headline || `Connection lost. ${reason}`.trim();
  $("connection").hidden = false;
  $("message-input").placeholder = "offline: what you type now is sent once reconnected";
  drawMembers();
  if (wasOnline && state.page === "room") {
    say("", state.bye ? `disconnected (${state.bye})` : "disconnected", "info offline-line");
  }
}

// The banner's second line and its button ("Reconnect now", or "Reconnect"
// once the page has stopped trying by itself).
function drawConnection(when, label = "Reconnect now") {
  $("connection-when").textContent = when;
  $("reconnect-now").textContent = label;
}

function backOnline() {
  if (!document.body.classList.contains("offline")) return;
  document.body.classList.remove("offline");
  $("connection").hidden = true;
  $("message-input").placeholder = "message, /me action, /help for commands";
  drawMembers();
}

// -- the page's frame ------------------------------------------------------------

function drawTitle() {
  const shown = current ? current.name : state.room;
  const where = state.page === "room" && shown ? `${shown} – chatroom` : "chatroom";
  document.title = `${attentionPrefix()}${where}`;
  drawFavicon();
}

// -- the menus of a phone -------------------------------------------------------
// On a phone the header's actions are behind its Menu button and the
// room's behind its ⋯ (style.css): each opens a panel under its button,
// closed by a pick, a click elsewhere or Escape. Elsewhere the buttons
// are hidden and the actions sit in their bars.

function toggleMenu(kind, open) {
  const shown = open === undefined ? !document.body.classList.contains(`show-${kind}`) : open;
  document.body.classList.toggle(`show-${kind}`, shown);
  $(`${kind}-button`).setAttribute("aria-expanded", String(shown));
}

// The header's Menu is there only while something is behind it.
function drawHeaderMenu() {
  const any = [...$("header-actions").children].some((action) => !action.hidden);
  $("menu-button").hidden = !any;
  if (!any) toggleMenu("menu", false);
}

function startMenus() {
  for (const kind of ["menu", "room-menu"]) {
    const actions = $(kind === "menu" ? "header-actions" : "room-actions");
    $(`${kind}-button`).addEventListener("click", () => toggleMenu(kind));
    // A pick closes it (the search box's field stays open to type in).
    actions.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (button && button.type !== "submit") toggleMenu(kind, false);
    });
    actions.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      toggleMenu(kind, false);
      $(`${kind}-button`).focus();
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest(`#${kind}-button, #${actions.id}`)) toggleMenu(kind, false);
    });
  }
  $("search-form").addEventListener("submit", () => toggleMenu("menu", false));
  $("notify-level").addEventListener("change", () => toggleMenu("room-menu", false));
}

function toggleMembers(open) {
  const body = document.querySelector(".room-body");
  const shown = open === undefined ? !body.classList.contains("show-members") : open;
  body.classList.toggle("show-members", shown);
  $("members-button").setAttribute("aria-expanded", String(shown));
}

function startView() {
  $("reconnect-now").addEventListener("click", reconnectNow);
  $("members-button").addEventListener("click", () => toggleMembers());
  startMenus();
  startRooms();
  startScrolling();
  startCompose();
  startReactions();
  startThreads();
  startTyping();
  startPanel();
  startAttention();
  startFiles();
  startPush();
  startSession();
  startLinks();
  startCard();
  startSecrets();
  startInput();
  drawMembers();
  drawTitle();
}
