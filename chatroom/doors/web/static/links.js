// The chatroom web client: a message's link. *Copy link* in a message's
// menu (compose.js) copies an address that opens the page at that
// message: the page's own address with `#ROOM/ID` (`#@USER/ID` for a
// message of a private conversation, which only the account's own pages
// can open). Opened (a new tab, a reload, or pasted into this tab's
// address bar), the page signs in as it always does, joins the room if it
// is not in it yet, shows it, and loads older messages until the message is
// there (SEEK_PAGES pages at most), then scrolls to it and outlines it; a
// message the room no longer keeps is said in its log. The id is in the
// address only: no person reads or types it.
"use strict";

// `#ROOM/ID` or `#@USER/ID` (names have no "/": chatroom/wire/names.py).
const LINK_HASH = /^#(@?[^/#]+)\/(\d+)$/u;
// A page of older messages while looking for one (the most /history gives),
// and how many such pages a link may make the page load.
const SEEK_PAGE = 200;
const SEEK_PAGES = 25;
// How long "Link copied" stays.
const TOAST_MS = 6000;

// The message the address names, until it is shown (or found gone); `ready`
// once the page is signed in and back in its rooms, so that a room joined
// for the link is not one the server was about to give back unasked.
const linked = { place: null, id: null, ready: false };
let toastTimer = null;

// The address of message `id` of `view` (a room's, or a conversation's).
function messageLink(view, id) {
  const place = view.private ? `@${view.name}` : view.name;
  return `${location.origin}${location.pathname}#${encodeURIComponent(place)}/${id}`;
}

function addressedMessage() {
  let hash = location.hash;
  try { hash = decodeURIComponent(hash); } catch { return null; }
  return LINK_HASH.exec(hash);
}

// The address of message `id` of `view` copied (the clipboard's
// API where the page is a secure context, else the older copy command: a
// page served over plain http), said for a moment, the link with it.
function copyLink(view, id, button = null) {
  const url = messageLink(view, id);
  const copied = () => toast("Link to the message copied", url);
  const byHand = () => {
    if (copyByHand(url)) copied();
    else toast("Copy the link to the message", url);
    if (button && button.isConnected) button.focus();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(url).then(copied, byHand);
  } else byHand();
}

function copyByHand(text) {
  const field = document.createElement("textarea");
  field.value = text;
  field.readOnly = true;
  field.setAttribute("aria-hidden", "true");
  field.style.position = "fixed";
  field.style.opacity = "0";
  document.body.append(field);
  field.select();
  let done = false;
  try { done = document.execCommand("copy"); } catch { done = false; }
  field.remove();
  return done;
}

// A few words at the foot of the screen, for a moment (a polite status),
// with a link after them if one is given.
function toast(words, url = null) {
  const box = $("toast");
  box.replaceChildren(words);
  if (url) {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = url;
    box.append(": ", link);
  }
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, TOAST_MS);
}

// The address names a message: kept until the page can go there.
function linkInAddress() {
  const found = addressedMessage();
  if (!found) return false;
  [, linked.place, linked.id] = found;
  return true;
}

// Reached (or found gone): a reload does not go there again.
function forgetLinkAddress() {
  if (addressedMessage()) history.replaceState(null, "", location.pathname + location.search);
}

// Signed in and back in the account's rooms (the answer to /unread; a
// plain name at once): the link is followed now.
function linkReady() {
  linked.ready = true;
  followLink();
}

// Go to the linked message: its conversation, or its room (joined first if
// the page is not in it; followed again once JOINED).
function followLink() {
  if (!linked.place || !linked.ready || !online()) return;
  const { place, id } = linked;
  if (place.startsWith("@")) {
    linked.place = null;
    forgetLinkAddress();
    goToConversation(place.slice(1), id);
    return;
  }
  const view = viewOf(place);
  if (!view) {
    if (!state.joinsAsked.has(nameKey(place))) join(place);
    return;
  }
  linked.place = null;
  focusRoom(view);
  view.seeking = id;
  view.seekPages = 0;
  seekOn(view);
}

// JOINED `room`: the linked one, if the link is waiting for it.
function joinedLinked(room) {
  if (linked.place && nameKey(linked.place) === nameKey(room)) followLink();
}

// Look for the message `view` is seeking: shown if loaded, else older
// messages asked for (a page of them at a time, looked for again once the
// page is in: HISTORY_END, or the join's own replies: joinDone).
function seekOn(view) {
  const id = view.seeking;
  if (id === null || id === undefined || view.joining || view.scroll.paging) return;
  const message = view.messages.get(id);
  const older = view.firstId !== null && Number(id) < Number(view.firstId);
  if (!message && older && !view.scroll.noOlder && view.seekPages < SEEK_PAGES) {
    view.seekPages += 1;
    const count = Math.min(SEEK_PAGE, Number(view.firstId) - Number(id) + RECENT);
    pageOlder(view);
    askIn(view, `/history ${count} before ${view.firstId}`);
    return;
  }
  view.seeking = null;
  forgetLinkAddress();
  if (message) { showMessage(view, message, id); return; }
  const was = active;
  activate(view);
  info(`The linked message is no longer in ${view.name}: deleted, or older than what the room keeps.`);
  activate(was);
}

// A message of `view` (the room shown) in the middle of its log, outlined
// (in its thread's panel if it is in a thread); the log stays there.
function showMessage(view, message, id) {
  for (const marked of view.log.querySelectorAll(".found-here")) marked.classList.remove("found-here");
  if (inThread(message.item)) { openThread(view, id); return; }
  message.item.classList.add("found-here");
  if (view !== current || !message.item.isConnected) return;
  view.scroll.stuck = false;
  message.item.scrollIntoView({ block: "center" });
  view.scroll.stuck = atBottom(view.log);
  drawJump();
}

function startLinks() {
  linkInAddress();
  window.addEventListener("hashchange", () => { if (linkInAddress()) followLink(); });
}
