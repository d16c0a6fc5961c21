// The chatroom web client: the rooms the user is in at once (/caps multi,
// docs/protocol.md "Many rooms"). Each room has a view of its own: its
// log (only the current room's is in the page, as #log), scrolling,
// members, topic, ids and unread counts, so switching rooms keeps each
// room's log and where it was scrolled to. A sidebar lists the rooms with
// badges for what arrived while the user looked elsewhere (seeded with
// /unread on signing in); the user's read marker (/read ROOM ID) follows
// what they actually saw: the newest line of the current room, the page
// visible and the log scrolled to the bottom. A READ from the server (the
// account's other device, or the reply to our own) clears the badge.
//
// Joining (or being given back an account's rooms on signing in), a room
// shows its recent messages at once: the join's replay (what came after
// the read marker, under a "new messages" divider, or the newest), and,
// when that brought fewer than RECENT, the page asks for the messages
// before them (`/history RECENT [before ID]`), which go above, each once.
// The page's own questions about a room (its settings for the owner and
// operators' marks, its pins, the account's notification level) are asked
// in that room by name and answered quietly: each view counts the answers
// it waits for, which come in the order asked.
"use strict";

// How long a seen room waits before /read: one line however many
// messages arrived meanwhile, so reading never trips the flood limit.
const READ_DELAY_MS = 1000;
// Events about the room their `room` field names.
const ROOM_EVENTS = new Set([
  "JOINED", "MEMBERS", "HISTORY", "HISTORY_ACTION", "HISTORY_END", "MSG",
  "ACTION", "TOPIC", "OWNER", "JOIN", "PART", "LEFT", "DELETED", "NOTICE",
  "GAP", "OP", "DEOP", "KICK", "KICKED", "BAN", "UNBAN", "SET", "INVITE",
  "INFO", "INFO_END", "BANS", "EDIT", "REDACT", "READ", "FOCUS", "REACT",
  "UNREACT", "TYPING", "MODLOG", "MODLOG_END", "VOICE", "DEVOICE",
  "PIN", "UNPIN", "PINNED", "PINS_END", "PINS", "THREAD", "FOLLOW", "UNFOLLOW",
  "NOTIFY", "RENAMED", "EPHEMERAL",
]);
// A room shows at least this many of its newest messages on coming back.
const RECENT = 20;
// Refusals while joining again after a lost connection that are not about
// a room (the /nick taking back a name comes first): every other is the
// refusal of the first room asked for, so that no room is waited for ever.
const NICK_ERRORS = new Set(["NAME_TAKEN", "BAD_NAME", "NAME_REGISTERED", "RATE_LIMITED"]);

function freshView(name) {
  return {
    name, log: null, members: [], owner: "", operators: new Set(),
    lastId: null, firstId: null, // the newest and oldest ids shown
    topic: "", topicBy: "", scroll: freshScroll(), scrollTop: 0,
    unread: 0, mentions: 0, readId: null, // the badge, and the marker in force
    seenId: null, // the newest id the user has seen, read once sent
    fresh: true, // no JOINED yet: a later one is a join again (log kept)
    joining: false, // the join's own replies are arriving (until its READ)
    joinFirst: null, // the first message the join's replay drew
    resuming: false, // joined again with `since ID`
    // The room's settings as its /info has them: `keep` ("on": the room
    // stays when empty), and how many of the page's own /info are still
    // to answer (drawn, not said).
    keep: null, infoQuiet: 0,
    messages: new Map(), // id → the message's line and words (rich.js)
    // threads.js: root id → its thread; the pinned messages (and those of
    // a /pins being answered); the account's notification level here, and
    // how many /pins and /notify the page asked for are still to answer.
    threads: new Map(), pins: [], pinsComing: [], pinsQuiet: 0, level: null, levelQuiet: 0,
    pinLines: new Map(), // id → a PIN's log line waiting for its message's words
    // links.js: the message a link opened the room at, while it is looked for.
    seeking: null, seekPages: 0,
    // A big room (docs/protocol.md "Big rooms"): JOINED's count, and the
    // room's size when the join's MEMBERS listed only the announced members
    // (null: it listed everyone), so the page's own /who does not replace them.
    joinedCount: 0, total: null, joinListed: false,
  };
}

const views = new Map(); // name key → view, in the order joined
const noRoom = freshView(""); // in no room: the page's own empty log
let current = null; // the view shown (what is typed goes to its room)
let active = null; // the view the event being handled is about
let readTimer = null;

// What `state.members` and the others mean: the fields of the room an
// event is about, else the current room's.
for (const field of ["members", "owner", "operators", "lastId", "firstId"]) {
  Object.defineProperty(state, field, {
    get() { return target()[field]; },
    set(value) { target()[field] = value; },
  });
}

function target() { return active || current || noRoom; }
function roomLog() { return target().log; }
function inRoom() { return target() !== noRoom; }
function shownRoom() { return current || noRoom; }
const viewOf = (room) => (room ? views.get(nameKey(room)) : undefined);

// What follows is about `view` (null: the current room).
function activate(view) {
  active = view || null;
  scroll = target().scroll;
}

// The room an event is about (a new one for a JOINED), or null.
function eventRoom(event) {
  if (!ROOM_EVENTS.has(event.name) || !event.field.room) return null;
  const { room } = event.field;
  if (event.name === "JOINED" && !viewOf(room)) addView(room);
  return viewOf(room) || null;
}

function newLog(name) {
  const log = document.createElement("ol");
  log.className = "log";
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", `messages in ${name}`);
  log.tabIndex = 0;
  watchLog(log);
  return log;
}

function addView(room) {
  const view = freshView(room);
  view.log = newLog(room);
  views.set(nameKey(room), view);
  const was = active;
  activate(view);
  resetLog();
  activate(was);
  keepJoined();
  return view;
}

function keepJoined() {
  state.joined = [...views.values()].map((view) => view.name);
  sessionStorage.setItem("chatroom.joined", JSON.stringify(state.joined));
}

// Show `view`'s log, members and topic in place of the current room's,
// each log back where it was scrolled to.
function showView(view) {
  const shown = $("log");
  closeMenu();
  if (current !== view) { endCompose(); typingSent(); }
  if (current && current !== view && shown === current.log) {
    current.scrollTop = shown.scrollTop;
    activate(current);
    markRead(); // the next unread line there gets a fresh divider
  }
  if (shown !== view.log) {
    shown.removeAttribute("id");
    view.log.id = "log";
    shown.replaceWith(view.log);
  }
  current = view === noRoom ? null : view;
  activate(null);
  // The room shown, for a reload or a new tab (a conversation, private.js,
  // leaves the room it was opened from as the one to come back to).
  if (!view.private) {
    state.room = current ? current.name : null;
    keepShown(state.room);
  }
  $("room-title").textContent = view.name;
  $("leave-button").textContent = view.private ? "Close" : "Leave";
  drawTopic();
  drawMembers();
  threadPanelFor(view);
  drawPins();
  drawLevel();
  drawTyping();
  drawCall();
  drawOlder();
  if (scroll.stuck) view.log.scrollTop = view.log.scrollHeight;
  else view.log.scrollTop = view.scrollTop;
  drawJump();
  drawSidebar();
  drawTitle();
  // Shown at its newest line, the view is read now: its badge goes without
  // waiting for a scroll or the next event (a short log never scrolls).
  seeNewest();
}

// The user picks a room in the sidebar (or types /join of one they are in).
// Nothing is sent: what is typed there names the room (`/in`, app.js).
function focusRoom(view) {
  toggleRooms(false);
  if (view !== current) showView(view);
  if (state.page !== "room") show("room");
}

// A room left, deleted or taken away: its log goes; the room joined most
// recently of those left becomes current (as on the server), or the page
// goes to the lobby when none is left.
function dropView(room) {
  const view = viewOf(room);
  if (!view) return;
  views.delete(nameKey(room));
  if (active === view) activate(null);
  keepJoined();
  if (view === current) {
    const rest = [...views.values()];
    if (rest.length) showView(rest[rest.length - 1]);
    else {
      showView(noRoom);
      activate(noRoom);
      resetLog();
      activate(null);
      leaveRoom();
    }
  }
  drawSidebar();
  drawTitle();
}

// A room the user is in has a new name: its view (log, members, threads,
// pins, badges) goes by it, in its place in the sidebar, shown if it was.
function renameView(room, name) {
  const view = viewOf(room);
  if (!view) return;
  const renamed = new Map();
  for (const [key, kept] of views) renamed.set(kept === view ? nameKey(name) : key, kept);
  views.clear();
  for (const [key, kept] of renamed) views.set(key, kept);
  view.name = name;
  view.log.setAttribute("aria-label", `messages in ${name}`);
  keepJoined();
  if (view === current) {
    state.room = name;
    keepShown(name);
    $("room-title").textContent = name;
  }
  drawSidebar();
  drawTitle();
}

// -- joining, and joining again after a lost connection ---------------------------

// Signed in again: back into every room (the one shown last: it is shown
// again as it comes back), each resuming from its newest id.
// `later`: an account's rooms come back unasked first (the server remembers
// them); those that did not are asked for by rejoinRest.
function rejoinRooms(later = false) {
  const names = views.size ? [...views.values()].map((view) => view.name)
    : state.joined.length ? [...state.joined] : state.room ? [state.room] : [];
  const at = names.findIndex((name) => nameKey(name) === nameKey(state.room || ""));
  if (at >= 0) names.push(...names.splice(at, 1));
  state.rejoinQueue = names;
  state.rejoining = names.length > 0;
  state.rejoinLater = later && state.rejoining;
  for (const name of names) { // given back unasked or asked for: a resume
    const view = viewOf(name);
    if (view) view.resuming = view.lastId !== null;
  }
  if (!state.rejoinLater) askRejoins(names);
  return names.length > 0;
}

// The rooms the server gave back unasked are in: ask for the others.
function rejoinRest() {
  if (!state.rejoinLater) return;
  state.rejoinLater = false;
  if (state.rejoining) askRejoins(state.rejoinQueue);
}

// `/join ROOM since ID` for each of `names`.
function askRejoins(names) {
  for (const name of names) {
    const view = viewOf(name);
    const key = state.keys.get(nameKey(name));
    const room = key ? `${name} ${key}` : name;
    const since = view && view.lastId !== null ? ` since ${view.lastId}` : "";
    if (view) view.resuming = since !== "";
    send(`/join ${room}${since}`);
  }
}

// JOINED: a room joined, or joined again (its log kept, with a line). A
// room the user asked for is shown; one given back unasked (an account's
// rooms on signing in, or joined from its other device) only when no room
// is shown, or when it is the one this page showed before.
function joinedRoom(room) {
  const view = target();
  const back = !view.fresh;
  view.fresh = false;
  askLevel(view);
  askSettings(view);
  view.joining = true;
  view.joinFirst = null;
  const asked = state.joinsAsked.delete(nameKey(room));
  const key = state.pendingKeys.get(nameKey(room));
  if (key !== undefined) state.keys.set(nameKey(room), key);
  state.pendingKeys.clear();
  state.joining = null;
  state.creating = null;
  if (back) info(view.resuming ? "reconnected: what was said meanwhile follows" : "reconnected");
  view.resuming = false;
  clearMoments();
  if (!state.rejoining) {
    if (asked || !current) {
      showView(view);
      show("room");
    } else drawSidebar();
    return;
  }
  const queued = state.rejoinQueue.findIndex((name) => nameKey(name) === nameKey(room));
  if (queued >= 0) state.rejoinQueue.splice(queued, 1);
  if (!current || (!current.private && nameKey(room) === nameKey(state.room || ""))) {
    showView(view);
    show("room");
  }
  if (!state.rejoinQueue.length) rejoined();
}

// Every room is back (or refused): the page shows one, and what was typed
// meanwhile goes (each line to the room it was typed in).
function rejoined() {
  state.rejoining = false;
  if (!current) {
    const rest = [...views.values()];
    if (!rest.length) { leaveRoom(); backOnline(); return; }
    showView(rest[rest.length - 1]);
  }
  backOnline();
  show("room");
  flushOutbox();
  if (current.private) fetchConversation(current); // what came meanwhile
  followLink(); // a link opened the page (links.js)
}

// The room's settings, asked for quietly on joining: its owner and
// operators are marked in the member list, and whether it is kept when
// empty is known before its last member leaves (leaveAsked).
function askSettings(view) {
  view.infoQuiet += 1;
  askIn(view, "/info");
}

// The join's replies have all come (its READ): what its replay brought
// after the read marker (the server's catch-up sends some before it too,
// for context) goes under a "new messages" divider, and a room that shows
// fewer than RECENT messages asks for those before them.
function joinDone(view, marker) {
  view.joining = false;
  let unread = view.joinFirst;
  while (unread && !(unread.dataset.id && Number(unread.dataset.id) > Number(marker))) {
    unread = unread.nextElementSibling;
  }
  if (unread && marker !== "*" && !view.scroll.readMarker) {
    const divider = dividerLine();
    unread.before(divider);
    view.scroll.readMarker = divider;
  }
  view.joinFirst = null;
  if (view.messages.size < RECENT && !view.scroll.noOlder) askRecent(view);
  seekOn(view); // a link's message (links.js)
}

// The RECENT messages before the oldest the room shows (its newest, when
// it shows none), asked quietly: they go above, each once (scroll.js).
function askRecent(view) {
  if (view.scroll.paging) return;
  const before = view.firstId;
  pageOlder(view);
  askIn(view, before === null ? `/history ${RECENT}` : `/history ${RECENT} before ${before}`);
}

// Leaving a room (the sidebar's ×, the header's Leave, a typed /leave):
// when the user is its last member and it is not kept when empty (a plain
// name's room, or one whose owner set `keep off`), it goes, with its
// messages: the page asks first. An account's room is kept, so leaving it
// just leaves. False if the user chose to stay.
function leaveAsked(view) {
  if (goesWhenLeft(view) && !window.confirm(`You are the last one in ${view.name}, and it is `
      + "not kept when empty: it goes when you leave, with its messages. Leave it?")) {
    return false;
  }
  sendOrKeep("/leave", view);
  return true;
}

function goesWhenLeft(view) {
  return view.keep === "off" && (view.total === null || view.total === undefined)
    && view.members.length > 0 && view.members.every((member) => isMe(member));
}

// An ERR while joining again: the first room asked for was refused. A room
// a restarted server forgot is made again; one that cannot be had again
// (banned, invite-only, full, its key changed) goes, saying why.
function rejoinRefused(code, text) {
  if (!state.rejoining || NICK_ERRORS.has(code) || !state.rejoinQueue.length) return false;
  const room = state.rejoinQueue.shift();
  const view = viewOf(room);
  if (view) view.resuming = false;
  if (code === "NO_SUCH_ROOM") {
    state.rejoinQueue.push(room);
    send(`/create ${room}`);
    return true;
  }
  const lost = code !== "ALREADY_IN_ROOM";
  // What was said there and waits cannot go (outbox.js): the error names it.
  const unsent = lost && view ? outboxRoomLost(view) : [];
  if (lost) {
    state.keys.delete(nameKey(room));
    dropView(room);
  }
  if (!state.rejoinQueue.length) rejoined();
  if (lost) {
    const notSent = unsent.length ? `; not sent: ${unsent.map((t) => `“${t}”`).join(", ")}` : "";
    showError(`could not go back to ${room}: ${errorWords(code, text)}${notSent}`);
    if (code === "BAD_KEY" && !views.size) askKey(room);
  }
  return true;
}

// -- unread badges and read markers ------------------------------------------------

// Whether the user sees the newest line of `view` now.
function seeing(view) {
  return view === current && state.page === "room" && !away() && view.scroll.stuck;
}

// A message from someone else arriving live in the room an event is about:
// the current room while the tab is hidden is counted in the title
// (attention.js); any other room (or the current one while the lobby is
// shown) gets a badge in the sidebar, and a "new messages" divider.
function noteRoomMessage(user, text) {
  const view = target();
  if (view === noRoom || isMe(user) || muted(view)) return;
  if (view === current && state.page === "room") { noteMessage(user, text); return; }
  dividerBeforeUnread();
  view.unread += 1;
  if (mentionsMe(text)) {
    view.mentions += 1;
    if (away()) notify(`${user} in ${view.name}`, text);
  }
  drawSidebar();
  drawTitle();
}

// The user sees the current room's newest line: its badge goes, and the
// server hears of it (a moment later, once however many lines came: what
// was seen then is read, even if the user has switched rooms since).
function seeNewest() {
  if (!current || !seeing(current)) return;
  if (current.unread || current.mentions) {
    current.unread = 0;
    current.mentions = 0;
    drawSidebar();
    drawTitle();
  }
  if (current.lastId === null) return;
  if (current.private && !state.account) return; // a plain name's are not kept
  current.seenId = current.lastId;
  if (readTimer === null && newerThan(current.seenId, current.readId)) {
    readTimer = setTimeout(sendRead, READ_DELAY_MS);
  }
}

function newerThan(id, marker) { return id !== null && (marker === null || Number(id) > Number(marker)); }

function sendRead() {
  readTimer = null;
  if (!online()) return;
  for (const view of [...views.values(), ...conversations.values()]) {
    if (!newerThan(view.seenId, view.readId)) continue;
    view.readId = view.seenId;
    send(`/read ${view.private ? "@" : ""}${view.name} ${view.seenId}`);
  }
}

// The badges and the title's count: what arrived in rooms (and private
// conversations) not being read.
function roomsUnread() {
  let unread = 0;
  let mentions = 0;
  for (const view of [...views.values(), ...conversations.values()]) {
    unread += view.unread;
    mentions += view.mentions;
  }
  return { unread, mentions };
}

const roomHandlers = {
  // A marker in force: the room (or a conversation: `@USER`, private.js)
  // is read up to ID, here or on another device. The join's replies end
  // with it.
  READ({ room, marker: id }) {
    if (room.startsWith("@")) { conversationRead(room.slice(1), id); return; }
    const view = target();
    if (view === noRoom) return;
    if (view.joining) joinDone(view, id);
    if (id === "*") return;
    if (view.readId === null || Number(id) > Number(view.readId)) view.readId = id;
    if (view.lastId !== null && Number(id) >= Number(view.lastId)
        && (view.unread || view.mentions)) {
      view.unread = 0;
      view.mentions = 0;
      drawSidebar();
      drawTitle();
    }
  },
  // What each room (and conversation: `@USER`) had while the user was
  // away (asked on signing in).
  UNREAD({ room, count, mentions }) {
    if (room.startsWith("@")) { conversationUnread(room.slice(1), count); return; }
    const view = viewOf(room);
    if (!view || seeing(view) || muted(view)) return;
    view.unread = Number(count);
    view.mentions = Number(mentions);
    drawSidebar();
    drawTitle();
  },
  UNREAD_END() {
    rejoinRest();
    linkReady(); // the account's rooms are back: a link may be followed (links.js)
  },
  // The server's current room (after the one it was is left): the page
  // shows it only when it shows no room, as it chooses its own.
  FOCUS({ room }) {
    const view = viewOf(room);
    if (view && !current) {
      showView(view);
      show("room");
    }
  },
};

// -- the sidebar -------------------------------------------------------------------

function drawSidebar() {
  const entries = views.size + conversations.size;
  $("sidebar").hidden = !entries || !["room", "lobby"].includes(state.page);
  $("rooms-button").hidden = !entries;
  const total = roomsUnread();
  $("rooms-button").textContent = total.unread ? `Rooms (${total.unread} new)` : "Rooms";
  $("my-rooms").replaceChildren(...[...views.values()].map((view) => {
    const badges = [];
    if (muted(view)) badges.push(badge("muted", "🔕", "muted"));
    if (view.mentions) badges.push(badge("mention", `@${view.mentions}`, `${view.mentions} for you`));
    if (view.unread) badges.push(badge("unread", String(view.unread), `${view.unread} new`));
    return sidebarEntry(view, { joined: view.name }, badges, () => focusRoom(view),
      `Leave ${view.name}`, () => leaveAsked(view));
  }));
  drawConversations();
}

// One sidebar entry (a room's or a conversation's): the button that shows
// it, with its badges, and the × beside it that leaves or closes it.
function sidebarEntry(view, data, badges, show, closeLabel, close) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "switch";
  Object.assign(button.dataset, data);
  if (view === current) button.setAttribute("aria-current", "true");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = view.name;
  button.append(name, ...badges);
  button.addEventListener("click", show);
  const leave = document.createElement("button");
  leave.type = "button";
  leave.className = "leave";
  leave.textContent = "×";
  leave.setAttribute("aria-label", closeLabel);
  leave.addEventListener("click", close);
  item.append(button, leave);
  return item;
}

// A count shown as `shown`, read out as `words`.
function badge(kind, shown, words) {
  const outer = document.createElement("span");
  outer.className = `badge ${kind}`;
  const seen = document.createElement("span");
  seen.setAttribute("aria-hidden", "true");
  seen.textContent = shown;
  const heard = document.createElement("span");
  heard.className = "visually-hidden";
  heard.textContent = `, ${words}`;
  outer.append(seen, heard);
  return outer;
}

// The topic of the room shown: one line, cut with an ellipsis if it is
// longer; a click (a tap) shows it whole, another cuts it again.
function drawTopic() {
  const view = shownRoom();
  const topic = $("topic");
  topic.textContent = view.topic;
  topic.hidden = !view.topic;
  topic.setAttribute("aria-expanded", "false");
  topic.title = view.topic && view.topicBy ? `set by ${displayName(view.topicBy)}` : "";
}

// On a phone the sidebar is behind the room header's Rooms button.
function toggleRooms(open) {
  const shown = open === undefined ? !document.body.classList.contains("show-rooms") : open;
  document.body.classList.toggle("show-rooms", shown);
  $("rooms-button").setAttribute("aria-expanded", String(shown));
}

function startRooms() {
  noRoom.log = $("log");
  activate(null);
  $("rooms-button").addEventListener("click", () => toggleRooms());
  $("topic").addEventListener("click", () => {
    const topic = $("topic");
    topic.setAttribute("aria-expanded", String(topic.getAttribute("aria-expanded") !== "true"));
  });
  $("lobby-button").addEventListener("click", () => {
    toggleRooms(false);
    show("lobby");
  });
  document.addEventListener("visibilitychange", seeNewest);
}
