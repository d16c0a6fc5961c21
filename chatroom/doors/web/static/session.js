// The chatroom web client: staying signed in (docs/protocol.md "Device
// sessions"). Once an account has signed in with its password (or the
// OpenID provider's ticket), the page asks the server for a device session
// (`/session new` → `SESSION TOKEN SECONDS`) and keeps its token, and the
// account's name, in this browser's localStorage: a reload, a lost
// connection or the page opened in another tab signs in with `/session
// TOKEN` instead, back in the account's rooms and the room last shown. The
// password itself is never stored (not in localStorage, sessionStorage or a
// cookie), and leaves the page's memory once the session is there. The
// session is a device of the account (`/devices` lists it as `web`; another
// device's `/logout ID` ends it) and dies after weeks unused: a token the
// server no longer knows (ERR BAD_TOKEN) is forgotten and the name form
// asks for the password. *Sign out*, in the header whenever the page is
// signed in to an account, ends the session (`/session end`), forgets
// everything of the account this browser kept and starts the page again
// at its name form; the browser's other tabs of this page follow.
"use strict";

const SESSION_KEY = "chatroom.session"; // { account, token }
const SHOWN_KEY = "chatroom.shown"; // the room shown last, for the next tab
// How long Sign out waits for SESSION_ENDED before starting afresh anyway.
const SIGN_OUT_WAIT_MS = 3000;

// The session kept in this browser, or null.
function keptSession() {
  try {
    const kept = JSON.parse(localStorage.getItem(SESSION_KEY));
    if (kept && typeof kept.token === "string" && typeof kept.account === "string") return kept;
  } catch {
    // Nothing kept, or not something this page wrote.
  }
  return null;
}

function keepSession(account, token) {
  state.session = { account, token };
  localStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
  if (state.room) localStorage.setItem(SHOWN_KEY, state.room);
}

// Forgets the session; `token`: only if the browser still keeps that one
// (not a newer one another tab has made since).
function forgetSession(token = null) {
  const kept = keptSession();
  state.session = null;
  if (token !== null && kept && kept.token !== token) return;
  localStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(SHOWN_KEY);
}

// The room shown (null: none), kept for this tab and, with a session, for
// the browser's next tab.
function keepShown(room) {
  if (room) sessionStorage.setItem("chatroom.room", room);
  else sessionStorage.removeItem("chatroom.room");
  if (!state.session) return;
  if (room) localStorage.setItem(SHOWN_KEY, room);
  else localStorage.removeItem(SHOWN_KEY);
}

// Signing in with the session kept (signIn, events.js): false without one.
function signInWithSession() {
  if (!state.session) return false;
  const { account, token } = state.session;
  // A name chosen since signing in is taken back once signed in.
  if (state.name && nameKey(state.name) !== nameKey(account)) state.renameTo = state.name;
  state.pending.login = { password: null, session: true };
  send(`/session ${token}`);
  return true;
}

// Signed in with a password or a ticket: a session to come back with.
function askSession() {
  state.sessionAsked = true;
  send("/session new");
}

// An ERR answering the page's `/session new`: a server (or a sign-in, an
// app password's) that makes no sessions. The page keeps the password in
// memory for a lost connection, as it did before sessions, and forgets a
// session it kept (the page asks only without one, or once a new password
// has ended it). True if so.
function sessionRefused(code) {
  if (!state.sessionAsked || !["NOT_ALLOWED", "UNKNOWN_COMMAND", "BAD_ARGS"].includes(code)) {
    return false;
  }
  state.sessionAsked = false;
  if (state.session) forgetSession();
  return true;
}

// The sign-in refused was the session's (ERR BAD_TOKEN): it is forgotten.
// Returns what to tell the person, or null for another refusal.
function sessionEnded(code, account) {
  if (code !== "BAD_TOKEN" || !state.pending.login || !state.pending.login.session) return null;
  forgetSession(state.session && state.session.token);
  return `${account} was signed out on this browser (from another device, by a new password, `
    + "or after weeks unused): enter its password to sign in again";
}

// *Sign out*: the session ended at the server, then the page starts afresh.
function signOut() {
  if (state.session && state.ws && state.ws.readyState === WebSocket.OPEN && state.signedIn) {
    send("/session end");
    setTimeout(startAfresh, SIGN_OUT_WAIT_MS);
  } else startAfresh();
}

// Signed out: nothing of the account is left in this browser (the session,
// the tab's name, rooms and ticket, the logs in this page's memory), the
// connection is closed, and the page loads again, at its name form.
function startAfresh() {
  forgetSession();
  for (const key of ["name", "account", "room", "joined", "ticket"]) {
    sessionStorage.removeItem(`chatroom.${key}`);
  }
  state.password = null;
  state.quitting = true;
  if (state.ws) {
    if (state.ws.readyState === WebSocket.OPEN) state.ws.send("/quit signed out");
    state.ws.close();
  }
  location.reload();
}

const sessionHandlers = {
  // The device session asked for: from now on the page signs in with it,
  // and the password (or the provider's ticket) is dropped.
  SESSION({ token }) {
    state.sessionAsked = false;
    if (!state.account || !token) return;
    keepSession(state.account, token);
    state.password = null;
    state.ticket = null;
    sessionStorage.removeItem("chatroom.ticket");
  },
  SESSION_ENDED() { startAfresh(); },
};

function startSession() {
  state.session = keptSession();
  // A new tab of a browser with a session: back in the room shown last.
  if (!state.room && state.session) state.room = localStorage.getItem(SHOWN_KEY);
  $("signout-button").addEventListener("click", signOut);
  // Another tab made a new session (after a new password): this one signs
  // in with it next time. Signed out (or refused) there: this one follows.
  window.addEventListener("storage", (event) => {
    if (event.key !== SESSION_KEY && event.key !== null) return;
    const kept = keptSession();
    if (kept && state.session && nameKey(kept.account) === nameKey(state.session.account)) {
      state.session = kept;
    } else if (!kept && state.session) startAfresh();
  });
}
