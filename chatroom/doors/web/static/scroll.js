// The chatroom web client: the room's log as it scrolls. It stays at the
// newest line while the user is there (through new lines, window resizes
// and a phone's on-screen keyboard), and stays put while the user reads
// further up, with a button back to the newest. Scrolling to the top (or
// the "earlier messages" button) loads older messages (/history N before
// ID) above the others, keeping what the user was reading in its place.
// Each room has its own log and scrolling (rooms.js): `scroll` and
// `roomLog()` are those of the room an event is about, else the current
// one's; only the current room's log is in the page (as `#log`).
"use strict";

const PAGE_SIZE = 50;
const NEAR = 40; // pixels from an end that count as being there

function freshScroll() {
  return {
    stuck: true, // the view is at the newest line
    unseen: 0, // lines added below while scrolled up
    paging: false, // a /history reply is arriving
    before: null, // the oldest id shown when it was asked (null: none)
    older: [], // its lines, put in place once it ends
    noOlder: false, // the room's kept history has been walked to its start
    readMarker: null, // the "new messages" divider
  };
}

let scroll = freshScroll(); // the room's an event is about (rooms.js sets it)

function atBottom(log) { return log.scrollHeight - log.scrollTop - log.clientHeight < NEAR; }

function appendToLog(item) {
  const log = roomLog();
  if (!inSaidPlace(item, log)) log.append(item); // a line said: where typed (outbox.js)
  if (scroll.stuck) log.scrollTop = log.scrollHeight;
  else if (!item.classList.contains("pending")) {
    scroll.unseen += 1;
    drawJump();
  }
}

// Back to the newest line (`force`: even if the user had scrolled up).
function keepNewest(force = false) {
  const log = $("log");
  if (!log) return;
  if (force) scroll.stuck = true;
  if (scroll.stuck) log.scrollTop = log.scrollHeight;
  drawJump();
}

function drawJump() {
  const button = $("jump");
  button.hidden = scroll.stuck || state.page !== "room" || !inRoom();
  if (scroll.stuck) scroll.unseen = 0;
  button.textContent = scroll.unseen ? `↓ ${scroll.unseen} new` : "↓ Newest";
}

// A fresh log: a new room, or a room joined again without resuming.
function resetLog() {
  roomLog().replaceChildren(olderControl());
  scroll.paging = false;
  scroll.older = [];
  scroll.noOlder = false;
  scroll.readMarker = null;
  scroll.unseen = 0;
  scroll.stuck = true;
  drawOlder();
}

// The first line of the log: a button that loads earlier messages, or a
// line saying there are none.
function olderControl() {
  const item = document.createElement("li");
  item.id = "older";
  item.className = "older";
  const button = document.createElement("button");
  button.type = "button";
  button.id = "older-button";
  button.textContent = "Show earlier messages";
  button.addEventListener("click", loadOlder);
  const none = document.createElement("span");
  none.id = "older-none";
  none.textContent = "This is where the room's kept history starts.";
  item.append(button, none);
  return item;
}

function drawOlder() {
  const log = roomLog();
  const part = (id) => log.querySelector(`#${id}`);
  if (!part("older")) return;
  const known = state.firstId !== null;
  part("older").hidden = !known && !scroll.noOlder;
  part("older-button").hidden = scroll.noOlder || !known;
  part("older-button").disabled = scroll.paging;
  part("older-none").hidden = !scroll.noOlder;
  part("older-none").textContent = target().private
    ? "This is where the conversation's kept history starts."
    : "This is where the room's kept history starts.";
}

function loadOlder() {
  if (scroll.paging || scroll.noOlder || state.firstId === null || !online()) return;
  if (state.page !== "room") return;
  const command = olderCommand(target());
  if (command === null) return; // a plain name's conversation is not kept
  pageOlder(target());
  send(addressed(target(), command));
}

// A /history reply for `view` about to be asked: its lines older than what
// the view shows now are kept until it ends, then go above.
function pageOlder(view) {
  const was = active;
  activate(view);
  scroll.paging = true;
  scroll.before = view.firstId;
  scroll.older = [];
  drawOlder();
  activate(was);
}

// A line of a /history reply: kept until the reply ends.
function olderLine(item) { scroll.older.push(item); }

// Whether a replayed line with this id belongs to the /history reply being
// awaited: only lines older than the oldest shown when it was asked do. A
// join's replay (which has no HISTORY_END) may still be arriving when the
// browser's scroll event asks for older messages, as it does under load;
// its newer lines go below, in order, not into the older page.
function partOfOlder(id) {
  return scroll.paging
    && (id === null || scroll.before === null || Number(id) < Number(scroll.before));
}

// The reply ended: its lines go above the others, and the view moves with
// them so that the line the user was reading stays where it was.
function olderDone(count) {
  const log = roomLog();
  const fromBottom = log.scrollHeight - log.scrollTop;
  log.querySelector("#older").after(...scroll.older);
  scroll.older = [];
  scroll.paging = false;
  if (count === 0) scroll.noOlder = true;
  drawOlder();
  log.scrollTop = log.scrollHeight - fromBottom;
}

// The user looks away (the tab hidden): the next message goes under a
// "new messages" divider, which moves on the next time.
function markRead() {
  if (scroll.readMarker) scroll.readMarker.remove();
  scroll.readMarker = null;
}

function dividerBeforeUnread() {
  if (scroll.readMarker || !inRoom()) return;
  const divider = dividerLine();
  scroll.readMarker = divider;
  appendToLog(divider);
}

// A list item that reads "new messages" (a role="separator" here would
// leave the log's list with a child that is not an item: axe's "list").
function dividerLine() {
  const divider = document.createElement("li");
  divider.className = "divider";
  divider.textContent = "new messages";
  return divider;
}

// A room's log, shown or not: only the shown one scrolls, so `scroll` is
// its room's when these run.
function watchLog(log) {
  log.addEventListener("scroll", () => {
    if (log.id !== "log") return;
    scroll.stuck = atBottom(log);
    drawJump();
    seeNewest();
    // Near the top, and not at the newest line: a log that has just
    // overflowed is both while a join's replay arrives, and the browser's
    // scroll event for it is no reader asking for more (its button is).
    if (log.scrollTop < NEAR && !scroll.stuck) loadOlder();
  });
  // A resize (the window, the phone's keyboard, the member list opening)
  // leaves the view at the newest line if it was there.
  new ResizeObserver(() => { if (log.id === "log") keepNewest(); }).observe(log);
}

function startScrolling() {
  watchLog($("log"));
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", () => keepNewest());
  }
  $("jump").addEventListener("click", () => {
    keepNewest(true);
    $("message-input").focus();
  });
  resetLog();
}
