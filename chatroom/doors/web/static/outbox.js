// The outbox: what the user said and the server has not acknowledged yet
// (docs/protocol.md "Saying it once", docs/web.md "The outbox").
//
// A line may not come back: the connection dies before the server reads
// it, or after the server did it but before its answer arrived, or the
// server answers ERR UNAVAILABLE (it lost its store, and may or may not
// have kept the message). Sent again plainly it would be said twice; not
// sent, the user is left unsure. So everything said goes as
// `/txn KEY LINE` with a fresh random key (crypto.getRandomValues, 128
// bits), and waits here until `ACK KEY TARGET ID`: a repeat of a key the
// server has done gets the same ACK and delivers nothing, so sending it
// again is always safe. A room message goes as `/say ROOM TEXT` (a resend
// names its room), a room command as `/in ROOM /txn KEY LINE`.
//
// Meanwhile its row stands where the message will (as The Lounge and
// Matrix clients show one), marked "sending" or "waiting". Its own copy
// takes the row's place (inSaidPlace, from scroll.js). At its ACK a row
// left goes if the log holds the message (the resume's replay brought
// it), else it is the message's row: one key, one row. A refusal other
// than UNAVAILABLE takes it out and its row says why. UNAVAILABLE (the
// server cannot store it now: a full disk, Redis away) sends it again
// after a moment, backing off; the first says why in the log, as errors
// are shown, and the row says "waiting to try again" meanwhile, without
// the reason again at every try. Lines said
// while disconnected wait here, and go in order once the page is back in
// its rooms (flushOutbox, from rooms.js and events.js).
//
// Which ERR answers which line: each /txn goes between `PING b:KEY` and
// `PING k:KEY`; the server answers lines in order, so what comes between
// their PONGs answers it.
"use strict";

const OUTBOX = {
  said: new Map(), // key → { key, line, view, row, sent, refusals, retry }
  answering: null, // the key whose answers are coming (between its PONGs)
  retryFirst: 1500, // ms after ERR UNAVAILABLE, doubled each time, up to:
  retryMost: 30000,
};

// The commands a key may carry (chatroom/wire/txn.py's, by /wire.js).
const KEYED = new Set(WIRE.keyedCommands);

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

// `typed` as typed in `view`, said once with a key: false when it is no
// thing said (a /join, a /topic), which goes as it did.
function sayOnce(typed, view) {
  if (!view || !view.name) return false;
  const line = isCommand(typed) ? typed.trim() : typed; // `//text` is words
  const command = isCommand(line) ? line.slice(1).split(" ", 1)[0].toLowerCase() : "";
  if (command && !KEYED.has(command)) return false;
  const key = newKey();
  let inner = line;
  let wire;
  if (!command) {
    if (view.private) return false; // a conversation's words come as /msg (private.js)
    inner = `/say ${view.name} ${saidText(line)}`;
    wire = `/txn ${key} ${inner}`;
  } else if (command === "say" || command === "msg") {
    wire = `/txn ${key} ${inner}`;
  } else if (!view.private) {
    wire = `/in ${view.name} /txn ${key} ${inner}`;
  } else return false;
  const said = { key, line: wire, typed, view, row: pendingRow(inner), sent: false, refusals: 0,
    retry: null };
  OUTBOX.said.set(key, said);
  if (said.row) {
    const was = active;
    activate(view);
    appendToLog(said.row);
    activate(was);
  }
  goNow(said);
  return true;
}

// The row standing for `inner` (a keyed LINE) until it is said: a message,
// an action, a paste's first line, a private message; none for an edit or
// a reaction.
function pendingRow(inner) {
  const [command, ...rest] = inner.split(" ");
  const words = rest.join(" ");
  let text = null;
  let action = false;
  if (command === "/say" || command === "/reply" || command === "/thread") {
    text = words.slice(words.indexOf(" ") + 1);
  } else if (command === "/msg") text = words.slice(words.indexOf(" ") + 1);
  else if (command === "/me") { text = words; action = true; }
  else if (command === "/paste") text = words.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  if (text === null) return null;
  const row = messageLine("", state.name || "", text, "message pending", { action });
  const mark = document.createElement("span");
  mark.className = "pending-mark";
  row.append(" ", mark);
  return row;
}

function markRow(said, word) {
  if (!said.row) return;
  said.row.querySelector(".pending-mark").textContent = word;
}

// Send `said` now if the page is back where it goes; else it waits.
function goNow(said) {
  if (!online()) {
    said.sent = false;
    markRow(said, "waiting");
    return;
  }
  said.sent = true;
  markRow(said, "sending");
  send(`PING b:${said.key}`);
  send(said.line);
  send(`PING k:${said.key}`);
}

// Back in every room (or signed in, a conversation shown): what waits goes,
// in the order said.
function flushSaid() {
  for (const said of OUTBOX.said.values()) {
    if (!said.sent && said.retry === null) goNow(said);
  }
}

// The connection is gone: every line waits, to go again with its key.
function outboxLost() {
  OUTBOX.answering = null;
  for (const said of OUTBOX.said.values()) {
    clearTimeout(said.retry);
    said.retry = null;
    said.sent = false;
    markRow(said, "waiting");
  }
}

// The page could not go back to `view`'s room (rooms.js's rejoinRefused):
// what was said there and still waits can go nowhere, and would wait for
// ever. It is taken out; the words typed, for the error to name.
function outboxRoomLost(view) {
  const lost = [...OUTBOX.said.values()].filter((said) => said.view === view);
  for (const said of lost) {
    OUTBOX.said.delete(said.key);
    clearTimeout(said.retry);
  }
  return lost.map((said) => said.typed);
}

// PONG b:KEY / k:KEY: the answers to KEY's line start, or are over.
function outboxPong(token) {
  if (token.startsWith("b:")) OUTBOX.answering = token.slice(2);
  else if (token.startsWith("k:") && OUTBOX.answering === token.slice(2)) OUTBOX.answering = null;
}

// The copy of a line said, coming as the answer to its /txn (between its
// PINGs), takes the pending row's place in `log`, above lines said after
// it and still pending (true: placed); anything else is appended (false).
function inSaidPlace(item, log) {
  const said = OUTBOX.answering && OUTBOX.said.get(OUTBOX.answering);
  if (!said || !said.row || said.row.parentNode !== log) return false;
  if (item.classList.contains("pending") || !item.dataset.user
    || item.dataset.user !== nameKey(state.name || "")) return false;
  said.row.replaceWith(item);
  said.row = null;
  return true;
}

// ACK KEY TARGET ID: said, once.
function acknowledged({ key, id }) {
  const said = OUTBOX.said.get(key);
  if (!said) return;
  OUTBOX.said.delete(key);
  clearTimeout(said.retry);
  const row = said.row;
  if (!row) return;
  const stored = id && id !== "-" ? id : null;
  const shown = stored !== null && (said.view.messages.has(stored) || said.view.log
    .querySelector(`[data-id="${CSS.escape(stored)}"]:not(.pending)`));
  if (shown) { row.remove(); return; }
  row.classList.remove("pending");
  row.querySelector(".pending-mark").remove();
  if (stored !== null) row.dataset.id = stored;
}

// An ERR: the outbox's when it answers a keyed line (true: handled).
// UNAVAILABLE sends it again after a moment, the first saying why in the
// line's log; any other takes it out, and its row says why.
function outboxRefused(code, text) {
  const said = OUTBOX.answering && OUTBOX.said.get(OUTBOX.answering);
  if (!said) return false;
  if (code === "UNAVAILABLE") {
    said.sent = false;
    const delay = Math.min(OUTBOX.retryMost, OUTBOX.retryFirst * 2 ** said.refusals);
    if (said.refusals === 0) {
      const was = active;
      activate(said.view);
      say("", errorWords(code, text), "error");
      activate(was);
    }
    said.refusals += 1;
    markRow(said, "waiting to try again");
    said.retry = setTimeout(() => {
      said.retry = null;
      if (OUTBOX.said.get(said.key) === said) goNow(said);
    }, delay);
    return true;
  }
  OUTBOX.said.delete(said.key);
  clearTimeout(said.retry);
  if (said.row) {
    said.row.classList.remove("pending");
    said.row.classList.add("refused");
    said.row.querySelector(".pending-mark").textContent = `refused: ${errorWords(code, text)}`;
    said.row.querySelector(".pending-mark").className = "refusal error";
    return true;
  }
  return false;
}
