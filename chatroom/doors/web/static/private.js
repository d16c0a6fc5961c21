// The chatroom web client: private conversations (docs/protocol.md
// "Private conversations"), entries of the sidebar beside the rooms. A
// PRIVMSG to or from someone opens (or adds to) the conversation named
// after the other person: a view like a room's (rooms.js), with its own
// log, scrolling and badge. Every private message from the other person
// counts as one for the user (a red badge, as a mention does; the title's
// total and the desktop notification follow attention.js's rule). Shown,
// a conversation takes what the user types as `/msg USER TEXT` (the
// protocol has no private action: `/me` is refused there, in words). A
// signed-in user's conversation is kept by the server: its first opening
// asks for the newest messages and scrolling to the top for older ones
// (`/history @USER 50 [before ID]`), and what the user sees of it moves
// the account's read marker there (`/read @USER ID`, as in a room). The
// server keeps an account's conversations with their unread counts: on
// signing in the page lists them again (`/conversations`: a `CONVERSATION`
// line each, newest first), each with its badge, so that a reload or
// another device finds them. A message sent (`/msg USER TEXT`, typed
// anywhere) opens its conversation at once, with the sender's copy in it.
// Closing one (its ×) only takes it off the sidebar; the server is not
// told, and the next message (or the next sign-in) brings it back. A kept
// message of the other person has the "⋯" menu with Report… alone
// (`/report @USER ID [REASON]`: only the server's admins hear of it).
"use strict";

const conversations = new Map(); // the other person's name key → view
let conversationsAsked = false; // /conversations is still to answer

function conversationOf(user) { return conversations.get(nameKey(user)); }

// The conversation with `user`, made (empty, at the end of the list) if new.
function openConversation(user) {
  let view = conversationOf(user);
  if (view) return view;
  view = freshView(user);
  Object.assign(view, {
    private: true, fresh: false, seen: new Set(), fetched: false, foundId: null,
    members: [], topic: "",
  });
  view.log = newLog(`your private conversation with ${user}`);
  conversations.set(nameKey(user), view);
  const was = active;
  activate(view);
  resetLog();
  activate(was);
  drawSidebar();
  return view;
}

// The signature of a message without an id (an offline one delivered at
// sign-in comes before /caps ids): the history's copy of it is not shown twice.
function privateKey(event, from, time, text) { return event.id !== null ? `#${event.id}` : `${from} ${time} ${text}`; }

// PRIVMSG: into its conversation, live (at the bottom) or from a
// /history reply (above what is shown, when older than it).
function privateMessage(event, { from, to, time }, text) {
  const other = isMe(from) ? to : from;
  const view = openConversation(other);
  activate(view);
  view.members = [state.name, other].filter(Boolean);
  const key = privateKey(event, from, time, text);
  const alsoKey = `${from} ${time} ${text}`;
  if (view.seen.has(key) || view.seen.has(alsoKey)) return;
  view.seen.add(key);
  view.seen.add(alsoKey);
  const line = messageLine(time, from, text, "message");
  wantProfile(from);
  dressAuthor(line, from); // their display name, as everywhere (profiles.js)
  if ("bot" in event.tags) markBot(line); // rich.js
  const id = event.id;
  // Older than what was shown when the history was asked for: above it
  // (a reply's lines are oldest first; a newer one arrived meanwhile, below).
  const older = partOfOlder(id);
  if (id !== null) {
    line.dataset.id = id;
    view.messages.set(id, { item: line, user: from, text, gone: false });
    // The other person's kept message has a menu: Report… (compose.js),
    // for an account (only accounts read their conversations back).
    if (!isMe(from) && state.account) line.append(menuButton(line, from));
    if (state.lastId === null || Number(id) > Number(state.lastId)) state.lastId = id;
    if (state.firstId === null || Number(id) < Number(state.firstId)) state.firstId = id;
  }
  if (older) { olderLine(line); return; }
  if (!isMe(from)) notePrivate(view, from, text);
  appendToLog(line);
}

// A private message from the other person arriving: counted as for the
// user (attention.js while it is the conversation shown and the tab is
// hidden; a badge in the sidebar otherwise).
function notePrivate(view, from, text) {
  if (view === current && state.page === "room") {
    noteMessage(from, text, { privately: true });
    return;
  }
  dividerBeforeUnread();
  view.unread += 1;
  view.mentions += 1;
  if (away()) notify(`${from} (private message)`, text);
  drawSidebar();
  drawTitle();
}

// HISTORY_END @USER count: the lines of the reply go above the others.
function conversationHistoryEnd(user, count) {
  const view = conversationOf(user);
  if (!view) return;
  activate(view);
  if (!scroll.paging) return;
  olderDone(count);
  if (count < PAGE_SIZE) scroll.noOlder = true;
  drawOlder();
  if (view.foundId !== null) markFound(view, view.foundId);
  view.foundId = null;
}

// The newest messages of a conversation, asked once (kept only for an account).
function fetchConversation(view) {
  if (view.fetched || !state.account || !online()) return;
  view.fetched = true;
  pageOlder(view);
  send(`/history @${view.name} ${PAGE_SIZE}`);
}

// The account's marker in the conversation with `user` moved to `id` (on
// this device or another): read up to the newest, its badge goes.
function conversationRead(user, id) {
  const view = conversationOf(user);
  if (!view || id === "*") return;
  if (view.readId === null || Number(id) > Number(view.readId)) view.readId = id;
  if (view.lastId !== null && Number(id) >= Number(view.lastId) && (view.unread || view.mentions)) {
    view.unread = 0;
    view.mentions = 0;
    drawSidebar();
    drawTitle();
  }
}

// The server's count of what the other person said in the conversation
// since the account last read it: its badge (each counts for the user, as
// a mention does). Not while it is being read.
function conversationUnread(user, count) {
  const view = openConversation(user);
  if (seeing(view)) return;
  view.unread = Number(count) || 0;
  view.mentions = view.unread;
  drawSidebar();
  drawTitle();
}

// The account's kept conversations, asked for on signing in.
function askConversations() {
  conversationsAsked = true;
  send("/conversations");
}

// An ERR answering that question (a server that keeps no list of them):
// not said. True if so.
function conversationsRefused(code) {
  if (!conversationsAsked || !["UNKNOWN_COMMAND", "NOT_ALLOWED"].includes(code)) return false;
  conversationsAsked = false;
  return true;
}

const conversationHandlers = {
  // One of the account's kept conversations (/conversations, on signing
  // in): its entry, with its unread count and its newest message's id.
  CONVERSATION({ user, unread, last }) {
    if (!user) return;
    const view = openConversation(user);
    if (/^\d+$/.test(last || "") && newerThan(last, view.lastId)) view.lastId = last;
    if (unread === "0" && view.lastId !== null) view.readId = view.lastId; // read to its end
    conversationUnread(user, unread);
  },
  CONVERSATIONS_END() { conversationsAsked = false; },
};

// Signed in (again): what was said while the connection was down is in
// each kept conversation's history, asked for when it is next shown (the
// one shown now: once back in the rooms, rooms.js).
function conversationsBack() {
  for (const view of conversations.values()) view.fetched = false;
}

// An older page of the conversation shown (scroll.js's loadOlder).
function olderCommand(view) {
  if (!view.private) return `/history ${PAGE_SIZE} before ${view.firstId}`;
  return state.account ? `/history @${view.name} ${PAGE_SIZE} before ${view.firstId}` : null;
}

// The user picks a conversation (the sidebar, a search result, /msg USER).
function showConversation(view) {
  toggleRooms(false);
  if (view !== current) showView(view);
  if (state.page !== "room") show("room");
  fetchConversation(view);
}

// Its ×: off the sidebar. Shown, the room shown before it (or the lobby) follows.
function closeConversation(view) {
  conversations.delete(nameKey(view.name));
  if (view === current) {
    const room = viewOf(state.room) || [...views.values()].pop();
    if (room) showView(room);
    else {
      showView(noRoom);
      show("lobby");
    }
  }
  drawSidebar();
  drawTitle();
}

// A search result in a conversation: shown, and the message marked once loaded.
function markFound(view, id) {
  for (const marked of view.log.querySelectorAll(".found-here")) marked.classList.remove("found-here");
  const message = view.messages.get(id);
  if (!message || !message.item.isConnected) {
    $("results-note").textContent = `That message is further back in your conversation with ${view.name}: scroll up for earlier messages.`;
    return;
  }
  message.item.classList.add("found-here");
  message.item.scrollIntoView({ block: "center" });
  if (window.matchMedia("(max-width: 640px)").matches) closePanel();
}

function goToConversation(user, id) {
  const view = openConversation(user);
  const waiting = !view.fetched && state.account;
  showConversation(view);
  if (waiting) view.foundId = id;
  else markFound(view, id);
}

// What the user types in a conversation: a message is `/msg USER TEXT`
// (several lines go as one, joined by spaces); commands are as anywhere,
// but `/me`, which has no private form.
function conversationLine(view, value) {
  const text = value.trim();
  if (/^\/me(\s|$)/i.test(text)) {
    say("", "/me works in rooms only: a private message is plain text", "error");
    return null; // answered here: the input is emptied
  }
  if (isCommand(text)) return outgoing(value);
  const words = value.split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
  return words ? `/msg ${view.name} ${saidText(words)}` : "";
}

// The sidebar's conversations, under the rooms.
function drawConversations() {
  $("conversations-heading").hidden = !conversations.size;
  $("my-conversations").hidden = !conversations.size;
  $("my-conversations").replaceChildren(...[...conversations.values()].map((view) => {
    const badges = view.mentions
      ? [badge("mention", String(view.mentions), `${view.mentions} private, for you`)] : [];
    return sidebarEntry(view, { conversation: view.name }, badges, () => showConversation(view),
      `Close the conversation with ${view.name}`, () => closeConversation(view));
  }));
}
