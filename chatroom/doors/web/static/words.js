// The chatroom web client: plain words. What the server's codes and fields
// mean to a person (errors, settings, ban masks, help), and a message's text
// made into page nodes when it is plain (an action): links clickable, the
// user's name marked, nick colours. Text only ever becomes text nodes (or
// the text of a link), never HTML.
"use strict";

// An error as a person reads it: the server's words without its code (they
// may start with a name, so they keep their case). A few codes get words
// of the page's own, except where the server's words carry what the
// person needs: a message refused because the server cannot store it quotes
// the text that was not sent, and the input box was already cleared. A
// newcomer's wait (NOT_YET, its text the seconds left) is said in the
// wire's words (WIRE.waiting), as the terminal client and IRC say it.
function errorWords(code, text) {
  if (code === "UNAVAILABLE" && text && text.includes("so this was not sent:")) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  if (code === "NOT_YET" && /^\d+$/.test(text || "")) {
    return WIRE.waiting.notYet.replace("{wait}", waitWords(Number(text)));
  }
  const own = {
    INTERNAL: "Something went wrong on the server; that did not happen. Try again.",
    LINE_TOO_LONG: "That was too long to send; it was not sent.",
    BAD_TEXT: "That contains characters that cannot be sent (control characters).",
    BAD_ENCODING: "That could not be sent as text.",
    UNAVAILABLE: "The chat is unreachable for a moment; nothing was done. Try again shortly.",
    NO_NAME: "Choose a username first.",
  };
  return own[code] || text || code.toLowerCase().replaceAll("_", " ");
}

// Seconds in the largest unit they hold at least twice, rounded up ("10
// minutes"), as chatroom/wire/waiting.py says them: a newcomer's wait.
function waitWords(seconds) {
  const units = WIRE.waiting.units;
  const [name, size] = units.find(([, each]) => seconds >= 2 * each) || units[units.length - 1];
  const count = Math.max(1, Math.ceil(seconds / size));
  return `${count} ${name}${count === 1 ? "" : "s"}`;
}

// What ACCOUNT_REQUIRED at the name step means to a person, as
// chatroom/wire/signin.py says it: the server's reason without the line
// protocol's command (the page signs in by its form), or the wire's words
// when it gives none.
function accountRequiredWords(text) {
  const { accountsOnly, loginHint } = WIRE.signIn;
  const reason = text && text.endsWith(loginHint) ? text.slice(0, -loginHint.length) : text;
  return reason || accountsOnly;
}

// A ban's mask in words: what it names, then what kind of thing that is
// (an IPv6 network keeps its colons); a server ban's end ("MASK@UNTIL", as
// /gbans lists a timed one) after it.
function showMask(mask) {
  const [banned, until] = mask.split("@");
  const colon = banned.indexOf(":");
  const [kind, name] = [banned.slice(0, colon), banned.slice(colon + 1)];
  const kinds = { account: "the account", name: "the name", ip: name.includes("/") ? "a network" : "an address" };
  const shown = colon > 0 && name && kinds[kind] ? `${name} (${kinds[kind]})` : banned;
  return until ? `${shown} until ${until}` : shown;
}

// The lockdown's levels in words (docs/protocol.md, "Server admins").
const LOCKDOWN_WORDS = {
  off: "off: everyone may come in",
  accounts: "accounts: only accounts sign in, and none is registered",
  closed: "closed: only admins sign in",
};

function describeSetting(setting, value) {
  const on = value === "on";
  const words = {
    "invite-only": on ? "made the room invite-only" : "opened the room to everyone",
    key: on ? "set a key on the room" : "removed the room's key",
    "topic-lock": on ? "locked the topic (only operators set it)" : "unlocked the topic",
    keep: on ? "keeps the room (it stays when empty)" : "no longer keeps the room",
    moderated: on ? "moderated the room (only operators and voiced members speak)"
      : "let everyone in the room speak",
    external: on ? "let people outside the room send to it"
      : "took messages from members only",
    limit: value === "off" ? "removed the room's member limit"
      : `limited the room to ${value} members`,
  };
  return words[setting] || `set ${setting} ${value}`;
}

// The page's own help: what a person types, without the protocol's
// internals (ids, /caps, /watch: the page does those by itself).
const HELP = [
  ["Chatting", [
    ["text", "a message to everyone in the room"],
    ["/me waves", "an action: * you waves"],
    ["/msg NAME text", "a private message to anyone connected"],
    ["/topic", "show the room's topic; /topic TEXT sets it"],
    ["/who", "who is in this room"],
    ["/list", "the rooms on this server"],
    ["//text", "a message that starts with /"],
    ["⋯ on a message", "reply, react, edit or delete it (also a right click or a long press)"],
    ["/reply ID text, /edit ID text, /redact ID", "the same, typed"],
    ["Shift+Enter", "a new line: several lines (or a paste of them) go as one message"],
    ["/search words", "find messages of your rooms (also the search box; in:ROOM, from:NAME, before:2026-11-22, after:…)"],
    ["/set previews off", "no cards for links (/set previews on: back)"],
  ]],
  ["Rooms and names", [
    ["/join ROOM", "go into a room too (/join ROOM KEY if it has a key)"],
    ["/create ROOM", "make a room and go there"],
    ["/leave", "leave this room (/leave ROOM: that one); the others stay"],
    ["/say ROOM text", "a message to another of your rooms"],
    ["/opmsg text", "a message to the room's owner and operators only"],
    ["/delete ROOM", "delete a room you own"],
    ["/nick NAME", "change your name"],
    ["/quit", "leave the server"],
  ]],
  ["Your account", [
    ["/register PASSWORD", "keep your name: only you can use it then"],
    ["/password OLD NEW", "change your password (with spaces: \"old phrase\" \"new phrase\")"],
    ["/unregister PASSWORD", "give up your account"],
    ["/app-password add LABEL", "a password for one client (list, remove LABEL)"],
    ["/bot add NAME", "a bot account of yours, and its token (list, remove NAME)"],
    ["/set mail on|off", "mail what you miss while away (to a verified address)"],
  ]],
  ["Moderating (owner and operators)", [
    ["/op NAME, /deop NAME", "make or unmake an operator (owner only)"],
    ["/kick NAME reason", "send someone back to the lobby"],
    ["/ban NAME, /unban NAME, /bans", "keep someone out"],
    ["/invite NAME", "let someone into an invite-only room"],
    ["/set invite-only on|off", "also topic-lock, keep; /set key KEY|off"],
    ["/info", "the room's settings and operators"],
    ["/modlog", "who kicked, banned, deleted or changed what (also the Moderation log button)"],
  ]],
  ["Keys", [
    ["Up / Down", "earlier lines you typed"],
    ["Tab", "complete a name, command or room (again: the next one)"],
    [":te", "emoji by name: Tab or Enter puts in the one marked (🍵), Up/Down mark another"],
    ["Escape", "back to the newest message; stops a reply or an edit"],
  ]],
];

// Commands of the server's table (WIRE.commands, wire.js) that Tab does
// not complete: those the page sends by itself (ids and rooms, older
// messages, read markers, the room list, typing notices, the room a line
// goes to, the device session, the conversations kept; signing in is the
// name form's) and those whose replies it does not show (an account's
// devices).
const NOT_COMPLETED = new Set([
  "caps", "history", "read", "unread", "watch", "typing", "login", "devices", "logout",
  "in", "session", "conversations",
]);
// The commands Tab completes: every other of the server's.
const COMMANDS = WIRE.commands.filter((name) => !NOT_COMPLETED.has(name))
  .map((name) => `/${name}`).sort();

// The help as a page element: one table (so that its columns line up),
// a section per part, the commands in a fixed-width font.
function helpNode() {
  const table = document.createElement("table");
  table.className = "help";
  const caption = document.createElement("caption");
  caption.textContent = "Help: what you can type";
  table.append(caption);
  for (const [title, rows] of HELP) {
    const part = table.createTBody();
    const heading = document.createElement("th");
    heading.colSpan = 2;
    heading.scope = "colgroup";
    heading.className = "part";
    heading.textContent = title;
    part.insertRow().append(heading);
    for (const [command, what] of rows) {
      const row = part.insertRow();
      const name = document.createElement("th");
      name.scope = "row";
      const code = document.createElement("code");
      code.textContent = command;
      name.append(code);
      row.append(name);
      row.insertCell().textContent = what;
    }
  }
  return table;
}

// -- a message's text ----------------------------------------------------------

const NICK_COLOURS = 8;

// The same name always gets the same colour (by its name key, so case and
// width variants match); the colours are set per theme in style.css.
function nickClass(name) {
  let hash = 0;
  for (const char of nameKey(name)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return `nick-${hash % NICK_COLOURS}`;
}

function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&"); }

// Whether `text` names the user (as a word of its own, any case).
function mentionsMe(text) {
  if (!state.name) return false;
  const name = escapeRegExp(state.name.normalize("NFKC"));
  const word = new RegExp(`(^|[^\\p{L}\\p{N}_.-])${name}($|[^\\p{L}\\p{N}_-])`, "iu");
  return word.test(text.normalize("NFKC"));
}

const LINK = /\bhttps?:\/\/[^\s<>"']+/giu;

// `text` appended to `parent` as text nodes, with http(s) links as links
// that open in a new tab without giving it this page (noopener) or its
// address (noreferrer). Trailing punctuation stays text. For what is meant
// as plain text (an action); a message's words are Markdown (format.js).
function appendLinked(parent, text) {
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    let href = match[0].replace(/[.,;:!?)\]}]+$/u, "");
    const start = match.index;
    let url = null;
    try { url = new URL(href); } catch { url = null; }
    if (!url || !["http:", "https:"].includes(url.protocol)) continue;
    parent.append(document.createTextNode(text.slice(at, start)));
    const link = document.createElement("a");
    link.href = url.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = href;
    parent.append(link);
    at = start + href.length;
    href = null;
  }
  parent.append(document.createTextNode(text.slice(at)));
}
