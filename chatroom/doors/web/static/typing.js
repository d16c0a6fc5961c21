// The chatroom web client: who is typing (/caps rich, docs/protocol.md
// "Messages with a life", /typing and TYPING). Under the log, a polite live
// region says "alice is typing…" for the room shown. Someone's notice goes
// when their message arrives, when they say they paused or are done, when
// they leave, or when no fresh "active" came for TYPING_EXPIRES_MS (a
// typist's client renews it every 3 seconds, the server's rate, as IRCv3's
// typing specification has it). While the user types a message here, the
// page sends /typing active at that same rate (never more: the server would
// drop the others), "paused" once after a pause and "done" when the input
// is emptied without sending; a message sent says done by itself.
"use strict";

// The server relays "active" at most once every 3 s per user and room.
const TYPING_EVERY_MS = 3000;
// Without a renewal, an "active" is over after 6 s (IRCv3's +typing).
const TYPING_EXPIRES_MS = 6000;
// Typing stopped this long, with text left in the input: "paused".
const TYPING_PAUSE_MS = 6000;

// -- others typing ------------------------------------------------------------------

// The typists of a room (view.typing): name key → { name, timer }.
function typistsOf(view) {
  if (!view.typing) view.typing = new Map();
  return view.typing;
}

function stopTyping(view, user) {
  const typists = typistsOf(view);
  const typist = typists.get(nameKey(user));
  if (!typist) return;
  clearTimeout(typist.timer);
  typists.delete(nameKey(user));
  if (view === current) drawTyping();
}

// "alice is typing…", "alice and bob are typing…", for the room shown.
function drawTyping() {
  const names = current
    ? [...typistsOf(current).values()].map((typist) => displayName(typist.name)) : [];
  let words = "";
  if (names.length === 1) words = `${names[0]} is typing…`;
  else if (names.length === 2) words = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length === 3) words = `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  else if (names.length > 3) words = "several people are typing…";
  if ($("typing").textContent !== words) $("typing").textContent = words;
}

const typingHandlers = {
  TYPING({ user, state: typingState }) {
    const view = target();
    if (!inRoom() || isMe(user)) return;
    if (typingState !== "active") { stopTyping(view, user); return; }
    const typists = typistsOf(view);
    const typist = typists.get(nameKey(user));
    if (typist) clearTimeout(typist.timer);
    typists.set(nameKey(user), {
      name: user, timer: setTimeout(() => stopTyping(view, user), TYPING_EXPIRES_MS),
    });
    if (view === current) drawTyping();
  },
};

// -- the user typing ----------------------------------------------------------------

// `sentAt`: when the last "active" or "paused" went (the server counts its
// 3 seconds from it, and drops one sent sooner: so does the page).
const myTyping = { sentAt: -Infinity, active: false, pauseTimer: null, laterTimer: null };

// Whether what is in the input is a message (or an action) being typed:
// commands are not typing.
function typingAMessage(value) {
  if (!value.trim()) return false;
  const text = value.trimStart();
  return !isCommand(text) || /^\/me\s/i.test(text);
}

function tellTyping(typingState) {
  if (!online() || !current || current.private) return; // no /typing in conversations
  if (typingState !== "done") myTyping.sentAt = Date.now();
  askIn(current, `/typing ${typingState}`);
}

function stopTimers() {
  clearTimeout(myTyping.pauseTimer);
  clearTimeout(myTyping.laterTimer);
  myTyping.pauseTimer = null;
  myTyping.laterTimer = null;
}

// A key press in the room's input: "active" now if the server would take
// it, else as soon as it would (if the user is still typing then).
function onTypingInput() {
  stopTimers();
  if (!typingAMessage($("message-input").value)) {
    if (myTyping.active) tellTyping("done");
    myTyping.active = false;
    return;
  }
  const wait = myTyping.sentAt + TYPING_EVERY_MS - Date.now();
  if (wait <= 0) {
    tellTyping("active");
    myTyping.active = true;
  } else if (!myTyping.active) {
    myTyping.laterTimer = setTimeout(onTypingInput, wait);
    return;
  }
  myTyping.pauseTimer = setTimeout(() => {
    myTyping.pauseTimer = null;
    if (!myTyping.active) return;
    tellTyping("paused");
    myTyping.active = false;
  }, TYPING_PAUSE_MS);
}

// A message was sent (its arrival ends the notice for the others) or the
// room changed: nothing more to say until the next key press.
function typingSent() {
  stopTimers();
  myTyping.active = false;
}

function startTyping() {
  $("message-input").addEventListener("input", onTypingInput);
}
