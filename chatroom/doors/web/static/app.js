// The chatroom web client: the line protocol (docs/protocol.md) over /ws,
// one line per WebSocket text frame. Pages as in the terminal client:
// username, lobby, room. Arriving lines only ever append to the log or
// redraw lists; the input fields are never rewritten, so typing is never
// disturbed. When the connection drops it says so in a banner, counts down
// to the next try and reconnects with backoff, signing in again as the same
// name (an account with its device session, session.js), back into the
// same rooms (with the key the user typed, if one has one),
// resuming from the last message it showed (/caps ids, /join ROOM since ID):
// what was said meanwhile is added, nothing is shown twice, and what the
// user typed meanwhile is sent then. Everything is put into the page as
// text, never as HTML.
//
// The page's scripts are classic scripts sharing the page's globals, all
// loaded with `defer`, in order: wire.js (the line grammar, the command
// table, the paste rule and the name key's tables, which the server makes
// from chatroom/wire/: there is no such file here), app.js (state, parsing lines, connection), words.js
// (plain words), markdown-it.min.js and format.js (a message's Markdown as
// page nodes, made from markdown-it's tokens), view.js (drawing), scroll.js (the log's scrolling and
// older messages), attention.js (unread counts, notifications), input.js
// (what the user does) and events.js (what the server says). Nothing
// connects before DOMContentLoaded, which comes after every deferred script
// has run: so the server's first line can never arrive before the code
// that handles it (it used to be lost about one load in fifteen). Three
// more: rooms.js (the rooms the user is in at once, /caps multi: the
// sidebar, unread badges, read markers), rich.js (replies, edits,
// deletions: /caps rich), threads.js (a thread in its panel, the pinned
// bar, the room's notification level), compose.js (the message menu, the reply or edit
// being typed, pastes), reactions.js (the React picker and the chips under
// a message), emoji.js (emoji by name: :tea completion and the picker's
// search, from /emoji.json), typing.js ("alice is typing…", and /typing as
// the user types)
// panel.js (the search box and /modlog: their results panel) and private.js
// (private conversations, entries of the sidebar beside the rooms), loaded
// after view.js and scroll.js; session.js (staying signed in: the device
// session, Sign out), links.js (a message's link: copied from its menu,
// and the page opened at one), card.js (a person's profile card) and
// secret.js (a password typed with a command, hidden as it is typed)
// before input.js.
//
// What is typed in a room's view is done in that room: a plain line, /me
// and every command that acts on a room without naming it (WIRE.roomCommands)
// go as `/in ROOM LINE` (`addressed`), and so do the page's own questions
// about a room (`askIn`), whatever room the server last made the
// connection's current one.
"use strict";

// The grammar is the server's own (WIRE, from wire.js: chatroom/wire/).
const EVENT_FIELDS = new Map(Object.entries(WIRE.fields));
const FREE_TEXT_EVENTS = new Set(WIRE.freeText);
const LIST_EVENTS = new Set(WIRE.lists);
const FIRST_BACKOFF = 500;
const MAX_BACKOFF = 10000;
// A name still held by the lost session (its node died and the cluster has
// not yet harvested it, --node-ttl): asked for again after 2, 4, 8 ... s
// (at most 30), this many times, as the terminal client does.
const NAME_RETRIES = 10;
// Refusals of the username step (the name and password are forgotten and
// the name form asks again), and goodbyes after which reconnecting by itself
// would be wrong: chatroom/wire/goodbyes.py, as the terminal client decides.
const SIGN_IN_ERRORS = new Set(WIRE.goodbyes.signInRefusals);
const [DELETED_START, DELETED_END] = WIRE.goodbyes.accountDeleted;
const isFinalBye = (reason) =>
  WIRE.goodbyes.finalStarts.some((start) => reason.startsWith(start)) ||
  (reason.startsWith(DELETED_START) && reason.endsWith(DELETED_END));
// Commands that carry a password (the command table's): never sent as a
// message by mistake, never kept in the input history, never queued while
// offline.
const SECRET_COMMAND = new RegExp(`^\\s*/(${WIRE.secretCommands.join("|")})(\\s|$)`, "i");

const state = {
  ws: null, page: null, name: sessionStorage.getItem("chatroom.name"),
  // The current room (the one shown, and the one plain lines go to), and
  // every room the user is in, for a reloaded page (rooms.js keeps each
  // room's log, members and ids: `members`, `owner`, `operators`, `lastId`
  // and `firstId` here are the room's that an event is about).
  room: sessionStorage.getItem("chatroom.room"), rooms: new Map(), roomsMore: 0,
  joined: JSON.parse(sessionStorage.getItem("chatroom.joined") || "[]"),
  backoff: FIRST_BACKOFF,
  quitting: false, retry: null, retryAt: 0, signedIn: false, rejoining: false,
  // Signed in when the connection dropped: a NAME_TAKEN now is the lost
  // session's hold on the name, not a refusal (nameStillHeld, events.js).
  lostSession: false, nameAttempts: 0, nameRetry: null,
  stopped: null, bye: null,
  // Signed in again: the rooms being joined again, in the order asked (the
  // server answers in order, so a refusal is the first one's).
  rejoinQueue: [], rejoinLater: false,
  // The account signed in to and its password: the password in these
  // variables only, never in storage, a cookie or the page, and only until
  // the server has given the page a device session (`session`: its token
  // and account, kept in localStorage by session.js). The account's name
  // is kept for the tab, so that a reloaded page without a session asks
  // for it. Secrets typed but not yet confirmed by the server wait in
  // `pending`.
  account: sessionStorage.getItem("chatroom.account"), password: null, renameTo: null,
  session: null, sessionAsked: false,
  pending: { login: null, register: null, newPassword: null, roomKey: null },
  // The ticket the OpenID provider's sign-in gave (/#oidc=TICKET, taken
  // off the address at once): kept for the tab, so that a reload or a
  // lost connection signs in again with it until it expires.
  ticket: takeTicket(),
  // An invitation's code from the link that opened the page (?invite=CODE):
  // redeemed once the server says HELLO, so that this tab may register.
  invite: new URLSearchParams(location.search).get("invite"),
  // Room keys the user typed (by name key), for joining again; in memory only.
  keys: new Map(), pendingKeys: new Map(),
  joining: null, // the room a click asked to join (a refusal may ask its key)
  // Replies the user asked for by typing a command: shown in the log (the
  // page's own questions are answered quietly: each room's view counts
  // those it waits for, rooms.js).
  asked: { who: false, list: false, topic: false, profile: false },
  listing: null, // the room list a typed /list is receiving
  whoShown: null, // the log line answering a typed /who (its OWNER follows)
  creating: null, // the room the lobby's field asked to create
  // The rooms the user asked to join or create (name keys): shown when
  // they are joined; a room given back unasked is shown only if no room is.
  joinsAsked: new Set(),
  // Lines typed while the connection was down: sent once back in the room.
  outbox: [],
};

const $ = (id) => document.getElementById(id);

// The ticket the callback of the provider's sign-in put in the fragment, or
// the tab's from before; the address is cleaned at once.
function takeTicket() {
  if (location.hash.startsWith("#oidc=")) {
    sessionStorage.setItem("chatroom.ticket", decodeURIComponent(location.hash.slice(6)));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("chatroom.ticket");
}

// "Forgot password?" only where the server sends mail (--smtp): it says so
// at GET /email/mailer (a 404 without).
function offerReset() {
  fetch("email/mailer").then((answer) => (answer.ok ? answer.json() : null)).then((found) => {
    $("forgot-button").hidden = !(found && found.mail);
  }, () => {});
}

// "Sign in with …" when the server has an OpenID provider (--oidc-issuer).
function offerProvider() {
  fetch("oidc/provider").then((answer) => (answer.ok ? answer.json() : null)).then((found) => {
    if (!found) return;
    $("oidc-button").textContent = `Sign in with ${found.name}`;
    $("oidc-sign-in").hidden = false;
  }, () => {});
}
// Names compare as the server compares them: by chatroom/wire/names.py's
// name_key, step for step, with the two tables the browser lacks from
// WIRE.names (Python's full case folding and ICU's confusables, each
// character that changes by what it becomes): NFKC, fold, NFKC; NFD, each
// character to its prototype, NFC, "rn" to "m"; again until the key stands
// still. So "Straße" and "STRASSE", "office" and "0FFICE" are one name, as
// they are to the server. Keys are kept, as the server keeps them: the page
// compares names on every event.
const codePointMap = (byResult) => new Map(
  Object.entries(byResult).flatMap(([result, chars]) => [...chars].map((char) => [char, result])));
const NAME_FOLDS = codePointMap(WIRE.names.folds);
const NAME_PROTOTYPES = codePointMap(WIRE.names.prototypes);
const NAME_KEYS_KEPT = 4096;
const nameKeys = new Map();
const mapped = (text, table) => Array.from(text, (char) => table.get(char) ?? char).join("");
function nameKey(name) {
  let key = nameKeys.get(name);
  if (key !== undefined) return key;
  key = name;
  for (let round = 0; round < WIRE.names.rounds; round += 1) {
    const folded = mapped(key.normalize("NFKC"), NAME_FOLDS).normalize("NFKC");
    const step = mapped(folded.normalize("NFD"), NAME_PROTOTYPES).normalize("NFC")
      .replaceAll("rn", "m");
    if (step === key) break;
    key = step;
  }
  if (nameKeys.size >= NAME_KEYS_KEPT) nameKeys.clear();
  nameKeys.set(name, key);
  return key;
}
// The // rule, as chatroom/wire/said.py has it (its prefixes from WIRE): a
// line starting with "/" is a command, one starting with "//" says its text
// from the second character on ("//shrug" says "/shrug").
const isCommand = (line) =>
  line.startsWith(WIRE.commandPrefix) && !line.startsWith(WIRE.escapedPrefix);
const saidText = (line) => (line.startsWith(WIRE.escapedPrefix) ? line.slice(1) : line);
const isMe = (name) => state.name !== null && nameKey(name) === nameKey(state.name);

// One server line, split as chatroom/wire/lines.py's parse_event splits it:
// `field`, the event's fields by their names ("" for one the line stops
// short of); `text`, its free text; `listed`, a list event's words after
// its named fields (an unknown event's words, all of them); `id` and
// `tags` from an "@ID;tags " prefix (null and none without one).
function parse(line) {
  let id = null;
  let tags = {};
  if (line.startsWith("@")) { // "@ID " or "@ID;tags " before a stored event
    const end = line.indexOf(" ");
    const [number, ...pairs] = line.slice(1, end).split(";");
    id = number;
    tags = parseTags(pairs);
    line = line.slice(end + 1);
  }
  const space = line.indexOf(" ");
  const name = space < 0 ? line : line.slice(0, space);
  let rest = space < 0 ? "" : line.slice(space + 1);
  const names = EVENT_FIELDS.get(name);
  let words = [];
  let text = "";
  if (names === undefined) words = rest.split(" ").filter(Boolean);
  else if (FREE_TEXT_EVENTS.has(name)) {
    // Only the last part, the text, may hold spaces.
    while (words.length < names.length && rest !== "") {
      const next = rest.indexOf(" ");
      if (next < 0) { words.push(rest); rest = ""; } else {
        words.push(rest.slice(0, next)); rest = rest.slice(next + 1);
      }
    }
    text = rest;
  } else if (rest !== "") words = rest.split(" ");
  const field = {};
  (names || []).forEach((fieldName, index) => { field[fieldName] = words[index] ?? ""; });
  const listed = words.slice(names ? names.length : 0);
  return { name, field, text, listed, id, tags };
}

// `key=value` tags (/caps rich), their values unescaped as IRCv3's are.
function parseTags(pairs) {
  const unescape = WIRE.tagUnescapes; // chatroom/wire/tags.py's table
  const tags = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals < 0) { tags[pair] = ""; continue; }
    tags[pair.slice(0, equals)] = pair.slice(equals + 1)
      .replace(/\\(.?)/g, (_, char) => unescape[char] ?? char);
  }
  return tags;
}

// -- connection ---------------------------------------------------------------

function connect() {
  clearTimeout(state.retry);
  state.retry = null;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  state.ws = ws;
  state.signedIn = false;
  setStatus("connecting…", true);
  ws.onopen = () => {
    state.bye = null; // the last goodbye stays said until a connection opens
    setStatus("connected", false);
  };
  ws.onmessage = (event) => handle(parse(event.data));
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    if (state.signedIn) state.lostSession = true;
    state.signedIn = false;
    clearTimeout(state.nameRetry);
    outboxLost(); // what was said waits, to go again with its key
    callLost(); // the server took this connection out of its call
    if (state.quitting) {
      setStatus(state.stopped ? `disconnected: ${state.stopped}` : "disconnected", true);
      return;
    }
    lostConnection();
    state.retryAt = Date.now() + state.backoff;
    state.retry = setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF);
    countDown();
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

// Whether a line typed now would reach the room it was typed in.
function online() {
  return Boolean(state.ws && state.ws.readyState === WebSocket.OPEN && state.signedIn
    && !state.rejoining);
}

// The commands that act on the room they are typed in (chatroom/wire/commands.py).
const ROOM_COMMANDS = new Set(WIRE.roomCommands);
// The server's own commands: any other is one of a room's slash commands
// (docs/protocol.md "Slash commands"), which acts on the room typed in.
const SERVER_COMMANDS = new Set(WIRE.commands);

// Whether `line` acts on a room without naming it: words to say (`//x`
// too), a room command but for its `@USER` forms, which name a private
// conversation (`/history @bob 50`), or a room's slash command.
function actsOnRoom(line) {
  if (!isCommand(line)) return true;
  const [command, first = ""] = line.trim().split(/\s+/);
  const name = command.slice(WIRE.commandPrefix.length).toLowerCase();
  if (!SERVER_COMMANDS.has(name)) return true;
  return ROOM_COMMANDS.has(name) && !first.startsWith("@");
}

// `line` as it goes from `view` (a room's, or a conversation's): done in
// that room, by its name (`/in ROOM LINE`), when it acts on a room.
function addressed(view, line) {
  if (!view || view.private || !view.name || !actsOnRoom(line)) return line;
  return `/in ${view.name} ${line}`;
}

// One of the page's own questions about the room of `view` (its settings,
// pins, a page of history): asked there by name.
function askIn(view, line) { return send(`/in ${view.name} ${line}`); }

// A line the user typed in the view of `view` (the one shown unless said):
// sent to its room, or kept until the page is back in its rooms (in order,
// once), with a line in the log saying it waits.
function sendOrKeep(typed, view = current) {
  // What is said goes with a key, and waits for its ACK (outbox.js).
  if (!SECRET_COMMAND.test(typed) && sayOnce(typed, view)) return true;
  const line = addressed(view, typed);
  if (online()) return send(line);
  if (SECRET_COMMAND.test(line)) {
    say("", "not sent: commands with a password wait for the connection", "error");
    return true;
  }
  const shown = say("", `waiting to be sent: ${typed}`, "pending");
  state.outbox.push({ line, shown });
  return true;
}

// Back in the room after a lost connection: what was typed meanwhile goes.
function flushOutbox() {
  const waiting = state.outbox;
  state.outbox = [];
  for (const { line, shown } of waiting) {
    shown.remove();
    send(line);
  }
  flushSaid();
}

// Every second while disconnected: the banner says how long until the
// next try, so the countdown moves.
function countDown() {
  if (state.ws || state.quitting || state.retry === null) return;
  const seconds = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
  const when = seconds > 0 ? `in ${seconds} s` : "now";
  setStatus(`disconnected: reconnecting ${when}`, true);
  drawConnection(`Reconnecting ${when}…`);
  setTimeout(countDown, 250);
}

function reconnectNow() {
  state.quitting = false;
  state.stopped = null;
  state.backoff = FIRST_BACKOFF;
  clearTimeout(state.retry);
  state.retry = null;
  if (!state.ws) connect();
}

// Stop for good (until the user asks): no reconnecting by itself.
function stop(reason) {
  state.quitting = true;
  state.stopped = reason;
  if (state.ticket) {
    // Signed out (or quit): a reload does not sign in again with the
    // provider's ticket (this page's Reconnect still does, as with a password).
    for (const key of ["ticket", "account", "name"]) sessionStorage.removeItem(`chatroom.${key}`);
  }
  clearTimeout(state.retry);
  state.retry = null;
  lostConnection(`Disconnected: ${reason}.`);
  drawConnection("This page will not reconnect by itself.", "Reconnect");
}

document.addEventListener("DOMContentLoaded", () => {
  startView();
  $("export-button").addEventListener("click", () => send("/export"));
  offerProvider();
  offerReset();
  connect();
});
window.addEventListener("beforeunload", () => { state.quitting = true; });
