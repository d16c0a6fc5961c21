// The chatroom web client: what the user does. The forms, the lines typed
// (with the secrets they carry kept back), Up/Down through earlier lines,
// Tab completing names, commands, rooms and emoji (emoji.js). The room's
// input is a textarea: Enter sends, Shift+Enter (or a paste) adds lines,
// sent as one message (compose.js).
"use strict";

const MAX_HISTORY = 100;
// Commands whose next word is a room (Tab completes rooms there).
const ROOM_NAMING_COMMANDS = new Set(["/join", "/create", "/delete", "/leave", "/say", "/focus"]);

function join(room, key = "") {
  state.joining = room;
  state.joinsAsked.add(nameKey(room));
  $("key-form").hidden = true;
  if (key) state.pendingKeys.set(nameKey(room), key);
  return send(key ? `/join ${room} ${key}` : `/join ${room}`);
}

function askKey(room) {
  state.joining = room;
  $("key-label").textContent = `${room} needs a key:`;
  $("key-form").dataset.room = room;
  $("key-form").hidden = false;
  $("key-input").focus();
}

// A line the user typed: note the secrets it carries (kept once the server
// confirms them) and make sure one carrying a password is sent as a
// command, never as a message; note the replies it asks for, which are
// then shown in the log. Nothing typed is ever shown. Returns null for a
// line the page answers itself (/help).
function outgoing(line) {
  if (SECRET_COMMAND.test(line)) line = line.trimStart();
  if (!isCommand(line)) return line; // words to say, "//x" too (the server unescapes)
  const words = line.trim().split(/\s+/);
  const command = words[0].toLowerCase();
  if (command === "/help") { systemNode(helpNode()); return null; }
  if (command === "/thread" && words.length === 2 && current && current.messages.has(words[1])) {
    openThread(current, words[1]); // no words: its thread, in the panel (threads.js)
    return null;
  }
  if (["/join", "/focus"].includes(command) && words.length === 2 && viewOf(words[1])) {
    focusRoom(viewOf(words[1])); // a room the user is in already: shown
    return null;
  }
  if (["/join", "/create"].includes(command) && words.length >= 2) {
    state.joinsAsked.add(nameKey(words[1])); // shown once joined
  }
  if (command === "/leave") { // asking first if the room would go (rooms.js)
    const view = words.length > 1 ? viewOf(words[1]) : current;
    if (view && !view.private) { leaveAsked(view); return null; }
  }
  if (command === "/delete" && words.length >= 2 && !window.confirm(
    `Delete the room ${words[1]} for everyone, with its messages and settings? This cannot be undone.`,
  )) return null;
  // A password is the rest of the line; /password's two are read as the
  // server reads them.
  const rest = line.trim().slice(words[0].length).trim();
  const passwords = command === "/password" ? passwordWords(rest) : null;
  if (command === "/register" && rest) state.pending.register = rest;
  else if (passwords && passwords.length === 2) state.pending.newPassword = passwords[1];
  else if (command === "/join" && words.length >= 3 && words[2].toLowerCase() !== "since") {
    state.pendingKeys.set(nameKey(words[1]), words[2]);
  } else if (command === "/set" && words.length === 3 && words[1].toLowerCase() === "key") {
    state.pending.roomKey = words[2];
  } else if (command === "/who") state.asked.who = true;
  else if (command === "/list") state.asked.list = true;
  else if (command === "/profile" && ["set", "unset"].indexOf(words[1]) < 0) {
    state.asked.profile = true;
  }
  else if (command === "/topic" && words.length === 1) state.asked.topic = true;
  else if (command === "/search") askSearch(line.trim().slice(words[0].length).trim());
  else if (command === "/modlog") askModlog();
  else if (command === "/reports") askReports();
  else if (command === "/quit") stop("you quit");
  return line;
}

// /password OLD NEW's passwords, as the server reads them
// (chatroom/wire/passwords.py): two words as they are, else words of
// which one starting with a double quote runs to the next one (\" and \\
// inside); null for quotes not closed.
function passwordWords(text) {
  const plain = text.split(" ");
  if (plain.length === 2 && plain.every(Boolean)) return plain;
  const words = [];
  let at = 0;
  for (;;) {
    while (text[at] === " ") at += 1;
    if (at >= text.length) return words;
    if (text[at] !== '"') {
      const space = text.indexOf(" ", at);
      const stop = space < 0 ? text.length : space;
      words.push(text.slice(at, stop));
      at = stop;
      continue;
    }
    let word = "";
    at += 1;
    while (at < text.length && text[at] !== '"') {
      if (text[at] === "\\" && at + 1 < text.length) at += 1;
      word += text[at];
      at += 1;
    }
    if (at >= text.length || (at + 1 < text.length && text[at + 1] !== " ")) return null;
    words.push(word);
    at += 1;
  }
}

// The lobby's field: a /command, or a room's name: joined if it exists,
// else created.
function lobbyLine(value) {
  const text = value.trim();
  if (!text) return null;
  if (text.startsWith("/")) return outgoing(text);
  const existing = [...state.rooms.keys()].find((room) => nameKey(room) === nameKey(text));
  if (viewOf(text)) { focusRoom(viewOf(text)); return null; }
  if (existing) {
    state.joining = existing;
    state.joinsAsked.add(nameKey(existing));
    return `/join ${existing}`;
  }
  state.creating = text;
  state.joinsAsked.add(nameKey(text));
  return `/create ${text}`;
}

// -- Up and Down: earlier lines --------------------------------------------------

const typed = { lines: [], at: null, draft: "" };

function remember(line) {
  if (SECRET_COMMAND.test(line)) return;
  if (typed.lines[typed.lines.length - 1] !== line) typed.lines.push(line);
  if (typed.lines.length > MAX_HISTORY) typed.lines.shift();
  typed.at = null;
}

function recall(input, step) {
  if (!typed.lines.length) return false;
  if (typed.at === null) {
    if (step > 0) return false;
    typed.draft = input.value;
    typed.at = typed.lines.length;
  }
  typed.at += step;
  if (typed.at < 0) typed.at = 0;
  if (typed.at >= typed.lines.length) {
    typed.at = null;
    input.value = typed.draft;
  } else input.value = typed.lines[typed.at];
  input.setSelectionRange(input.value.length, input.value.length);
  return true;
}

// -- Tab: completion -------------------------------------------------------------

// The completion Tab is cycling through: what goes `before` and `after`
// the word, what it may be (`found`), the one put in (`index`). An emoji's
// has `labels` (its shortcodes, shown in a list over the input, emoji.js),
// and is `offered` while the list is up and nothing has been put in yet.
let completing = null;

// What the word before the cursor may become: a command first on the line;
// a room after /join, /create, /delete (or first in the lobby's field,
// which takes a room's name); an emoji after ":" (emoji.js); else a
// member's name.
function candidates(before, word, lobby) {
  const first = before.trim() === "";
  if (word.startsWith(":") && !lobby) {
    return emojiMatching(word.replace(/:+/gu, ""), EMOJI_OFFERED);
  }
  if (word.startsWith("/") && first) {
    return COMMANDS.filter((command) => command.startsWith(word.toLowerCase()));
  }
  const command = before.trim().split(/\s+/)[0].toLowerCase();
  const key = nameKey(word);
  const roomWanted = ROOM_NAMING_COMMANDS.has(command) && before.trim().split(/\s+/).length === 1;
  if (roomWanted || (lobby && first)) {
    const rooms = new Set([...state.rooms.keys(), ...(state.room ? [state.room] : [])]);
    return [...rooms].filter((room) => nameKey(room).startsWith(key)).sort();
  }
  const names = state.members.filter((name) => !isMe(name));
  return names.filter((name) => nameKey(name).startsWith(key))
    .sort((a, b) => nameKey(a).localeCompare(nameKey(b)));
}

function complete(input, backwards) {
  if (completing === null) {
    const caret = input.selectionStart;
    const head = input.value.slice(0, caret);
    const word = head.match(/\S*$/u)[0];
    if (!word) return false;
    const before = head.slice(0, head.length - word.length);
    const lobby = input.id === "create-input";
    const found = candidates(before, word, lobby);
    if (!found.length) return false;
    if (word.startsWith(":") && !lobby) {
      offerCompletion(input, found);
      return acceptCompletion(input);
    }
    const isName = !lobby && !word.startsWith("/")
      && !ROOM_NAMING_COMMANDS.has(before.trim().split(/\s+/)[0]);
    completing = {
      before, after: input.value.slice(caret), found, index: backwards ? found.length - 1 : 0,
      suffix: isName && before === "" ? ": " : " ",
    };
  } else if (completing.offered) {
    return acceptCompletion(input);
  } else {
    const step = backwards ? -1 : 1;
    completing.index = (completing.index + step + completing.found.length) % completing.found.length;
  }
  putCompletion(input);
  return true;
}

function putCompletion(input) {
  const chosen = completing.found[completing.index] + completing.suffix;
  input.value = completing.before + chosen + completing.after.replace(/^\s+/u, "");
  const caret = completing.before.length + chosen.length;
  input.setSelectionRange(caret, caret);
  drawCompletions(input);
}

// The emoji `matches` ([shortcode, emoji] each) offered for the ":word"
// before the caret: listed, the first marked, nothing put in yet.
function offerCompletion(input, matches) {
  if (!matches.length) { endCompletion(); return; }
  const caret = input.selectionStart;
  const head = input.value.slice(0, caret);
  const word = head.match(/\S*$/u)[0];
  completing = {
    before: head.slice(0, head.length - word.length), after: input.value.slice(caret),
    found: matches.map(([, character]) => character),
    labels: matches.map(([name]) => `:${name}:`), index: 0, suffix: " ", offered: true,
  };
  drawCompletions(input);
}

// Put in the emoji marked in the list (Tab again: the next one).
function acceptCompletion(input) {
  completing.offered = false;
  putCompletion(input);
  return true;
}

// Up or Down in the list: mark another (and put it in, if one was).
function stepCompletion(input, step) {
  completing.index = (completing.index + step + completing.found.length) % completing.found.length;
  if (completing.offered) drawCompletions(input);
  else putCompletion(input);
}

function endCompletion() {
  completing = null;
  drawCompletions($("message-input"));
}

function onKeys(input) {
  input.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    if (event.key === "Tab" && (!event.shiftKey || completing !== null)) {
      if (complete(input, event.shiftKey)) event.preventDefault();
      return;
    }
    // The emoji list: Enter puts in the one marked, Up and Down mark
    // another, Escape closes it.
    if (completing && completing.labels) {
      const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
      if (step) { event.preventDefault(); stepCompletion(input, step); return; }
      if (event.key === "Enter" && completing.offered && !event.shiftKey) {
        event.preventDefault();
        acceptCompletion(input);
        endCompletion();
        return;
      }
      if (event.key === "Escape") { event.preventDefault(); endCompletion(); return; }
    }
    if (completing) endCompletion();
    // In a text of several lines the arrows move between its lines.
    const walk = !input.value.includes("\n");
    if (event.key === "Enter" && !event.shiftKey && input.form && input.tagName === "TEXTAREA") {
      event.preventDefault();
      input.form.requestSubmit();
    } else if (walk && event.key === "ArrowUp" && recall(input, -1)) event.preventDefault();
    else if (walk && event.key === "ArrowDown" && recall(input, 1)) event.preventDefault();
    else if (event.key === "Escape" && input.id === "message-input") keepNewest(true);
  });
  input.addEventListener("input", (event) => {
    if (completing) endCompletion();
    if (input.id === "message-input") emojiTyped(input, event);
  });
  input.addEventListener("blur", () => { if (completing && completing.labels) endCompletion(); });
}

// -- the forms -------------------------------------------------------------------

function onSubmit(formId, inputId, toLine, sendLine = send) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $(inputId);
    const value = typedLine(input); // with a password hidden as typed (secret.js)
    const line = toLine(value);
    if (line === null) { // answered by the page itself (/help)
      remember(value);
      clearTyped(input);
      return;
    }
    if (line && sendLine(line)) {
      remember(value);
      clearTyped(input);
      if (input.id === "message-input") typingSent();
    }
  });
}

function startInput() {
  $("name-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // The name is kept in its field (a refused name is easier to fix than to
    // retype); the password field is emptied as it is sent.
    const name = $("name-input").value.trim();
    const password = $("password-input").value;
    const register = $("register-input").checked;
    if (!name) return;
    if (register && !password) {
      showError("choose a password (8 characters or more) to register the name");
      $("password-input").focus();
      return;
    }
    if (register && password !== password.trim()) {
      showError("a password does not begin or end with a space");
      return;
    }
    hideError();
    const line = password ? `${register ? "/register" : "/login"} ${name} ${password}` : name;
    if (!send(line)) return;
    state.name = name;
    state.renameTo = null;
    state.pending.login = password ? { password } : null;
    $("password-input").value = "";
  });
  // "Forgot password?": the server mails the account's verified address a
  // link to choose a new one (/reset NAME; the same answer for any name).
  $("forgot-button").addEventListener("click", () => {
    const name = $("name-input").value.trim();
    if (!name) {
      showError("enter the account's name first, then “Forgot password?”");
      $("name-input").focus();
      return;
    }
    hideError();
    send(`/reset ${name}`);
  });
  $("register-input").addEventListener("change", () => {
    const register = $("register-input").checked;
    $("password-input").autocomplete = register ? "new-password" : "current-password";
    $("password-input").placeholder = register ? "new password" : "password (if registered)";
  });
  onSubmit("create-form", "create-input", lobbyLine);
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key-input").value.trim();
    if (!key || !join($("key-form").dataset.room, key)) return;
    $("key-input").value = "";
    $("key-form").hidden = true;
  });
  onSubmit("message-form", "message-input", (value) => (value ? composeLine(value) : ""), sendOrKeep);
  $("leave-button").addEventListener("click", () => {
    if (current && current.private) closeConversation(current);
    else if (current) leaveAsked(current);
  });
  onKeys($("message-input"));
  onKeys($("create-input"));
}
