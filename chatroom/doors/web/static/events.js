// The chatroom web client, part two: what the server says. One handler per
// event of the line protocol (docs/protocol.md), turning it into drawing
// calls of app.js (loaded first; both are classic scripts sharing the
// page's globals, and nothing here runs before the first line arrives).

// -- what the server says -----------------------------------------------------

const handlers = {
  HELLO() {
    state.renameTo = null;
    if (state.account && state.password) {
      // Signed in before: sign in again, then take back a name chosen since.
      if (state.name && nameKey(state.name) !== nameKey(state.account)) {
        state.renameTo = state.name;
      }
      state.pending.login = { password: state.password };
      send(`/login ${state.account} ${state.password}`);
    } else if (state.account) {
      // A reloaded page: the password went with the old one.
      show("username");
      if (!$("name-input").value) $("name-input").value = state.account;
      showError(`sign in to ${state.account} again: enter its password`);
      $("password-input").focus();
    } else if (state.name) send(state.name);
    else show("username");
  },
  WELCOME([name]) {
    const login = state.pending.login;
    state.pending.login = null;
    state.signedIn = true;
    state.name = name;
    state.account = login ? name : null;
    state.password = login ? login.password : null;
    keepAccount();
    state.backoff = 500;
    sessionStorage.setItem("chatroom.name", name);
    drawWhoami();
    hideError();
    if (state.renameTo) send(`/nick ${state.renameTo}`);
    state.renameTo = null;
    send("/watch on");
    send("/caps ids");
    if (state.room) {
      state.rejoining = true;
      state.resuming = state.lastId !== null;
      const key = state.keys.get(nameKey(state.room));
      const target = key ? `${state.room} ${key}` : state.room;
      send(state.resuming ? `/join ${target} since ${state.lastId}` : `/join ${target}`);
    } else show("lobby");
  },
  ROOMS() { state.rooms.clear(); drawRooms(); },
  ROOM([name, members, capacity], topic) {
    state.rooms.set(name, { name, members, capacity, topic });
    drawRooms();
  },
  ROOM_GONE([name]) { state.rooms.delete(name); drawRooms(); },
  JOINED([room]) {
    state.rejoining = false;
    state.joining = null;
    const key = state.pendingKeys.get(nameKey(room));
    if (key !== undefined) state.keys.set(nameKey(room), key);
    state.pendingKeys.clear();
    const resumed = state.resuming && room === state.room;
    state.resuming = false;
    state.room = room;
    sessionStorage.setItem("chatroom.room", room);
    $("room-title").textContent = room;
    $("topic").textContent = "";
    if (resumed) info("reconnected: what was said meanwhile follows");
    else { $("log").replaceChildren(); state.lastId = null; }
    state.owner = "";
    state.operators.clear();
    show("room");
    send("/who"); // its OWNER line marks the owner in the member list
    state.quietInfo = true;
    send("/info"); // its operators line marks the operators
  },
  MEMBERS([, ...names]) { state.members = names; drawMembers(); },
  GAP([, count]) {
    info(count === "?" ? "earlier messages were missed" : `${count} earlier messages were missed`);
  },
  HISTORY([, user, time], text) { say(time, `<${user}> ${text}`, "history"); },
  HISTORY_ACTION([, user, time], text) { say(time, `* ${user} ${text}`, "history"); },
  MSG([, user, time], text) { say(time, `<${user}> ${text}`, "message"); },
  ACTION([, user, time], text) { say(time, `* ${user} ${text}`, "message"); },
  PRIVMSG([from, to, time], text) { say(time, `[${from} → ${to}] ${text}`, "private"); },
  TOPIC([, user], text) {
    $("topic").textContent = text;
    info(`${user} set the topic: ${text}`);
  },
  OWNER([, user]) {
    const changed = state.owner !== "" && state.owner !== user;
    state.owner = user;
    drawMembers();
    if (changed) info(`${user} owns the room now`);
  },
  JOIN([, user]) { state.members.push(user); drawMembers(); info(`${user} joined`); },
  PART([, user], reason) {
    removeMember(user);
    info(`${user} left (${reason})`);
  },
  NICK([old, name]) {
    state.members = state.members.map((m) => (m === old ? name : m));
    if (state.operators.delete(nameKey(old))) state.operators.add(nameKey(name));
    if (isMe(old)) {
      state.name = name;
      sessionStorage.setItem("chatroom.name", name);
      drawWhoami();
    }
    drawMembers();
    info(`${old} is now ${name}`);
  },
  LEFT() { leaveRoom(); },
  DELETED([room, by]) { leaveRoom(); showError(`${by} deleted ${room}`); },
  NOTICE(_, text) { info(text); },
  SLOW(_, text) { system(text); },
  HELP(_, text) { system(text); },
  PING(_, token) { send(`PONG ${token}`); },

  // Accounts: the password typed with a command is kept once confirmed.
  REGISTERED([name]) {
    state.account = name;
    if (state.pending.register !== null) state.password = state.pending.register;
    state.pending.register = null;
    keepAccount();
    drawWhoami();
    system(`${name} is now registered: you are signed in to it, and only you can use the name`);
  },
  PASSWORD_CHANGED([account]) {
    if (state.pending.newPassword !== null) state.password = state.pending.newPassword;
    state.pending.newPassword = null;
    system(`the password of ${account} was changed`);
  },
  UNREGISTERED([account]) {
    state.account = null;
    state.password = null;
    keepAccount();
    drawWhoami();
    system(`${account} is no longer registered: you keep the name as a plain one`);
  },

  // Moderation: shown to the room; a kick or an invitation to the user.
  OP([, user, by]) {
    state.operators.add(nameKey(user));
    drawMembers();
    info(`${by} made ${user} an operator`);
  },
  DEOP([, user, by]) {
    state.operators.delete(nameKey(user));
    drawMembers();
    info(`${by} took operator status from ${user}`);
  },
  KICK([, user, by], reason) {
    removeMember(user);
    info(`${by} kicked ${user}: ${reason}`);
  },
  KICKED([room, by], reason) {
    leaveRoom();
    notice(`You were kicked from ${room} by ${by}: ${reason}`, "kicked");
  },
  BAN([, mask, by]) { info(`${by} banned ${showMask(mask)}`); },
  UNBAN([, mask, by]) { info(`${by} lifted the ban on ${showMask(mask)}`); },
  SET([room, setting, value, by]) {
    if (setting === "key") {
      const typed = state.pending.roomKey;
      state.pending.roomKey = null;
      if (value === "on" && isMe(by) && typed) state.keys.set(nameKey(room), typed);
      else state.keys.delete(nameKey(room));
    }
    info(`${by} ${describeSetting(setting, value)}`);
  },
  INVITE([, user, by]) { info(`${by} invited ${user}`); },
  INVITED([room, by]) {
    notice(`${by} invited you to ${room}`, "invited", {
      label: `Join ${room}`, act() { join(room); },
    });
  },
  INFO([, setting], value) {
    if (setting === "operators") {
      state.operators = new Set(value === "-" ? [] : value.split(" ").map(nameKey));
      drawMembers();
    }
    if (!state.quietInfo) system(`${setting}: ${value}`);
  },
  INFO_END([room]) {
    if (state.quietInfo) state.quietInfo = false;
    else system(`(end of ${room}'s settings)`);
  },
  BANS([room, ...masks]) {
    system(masks.length ? `banned from ${room}: ${masks.join(", ")}` : `nobody is banned from ${room}`);
  },

  // Server admins.
  ANNOUNCE([by], text) { notice(`Announcement from ${by}: ${text}`, "announce"); },
  KILLED([user, by], reason) { system(`${by} disconnected ${user}: ${reason}`); },
  GBAN([mask, by]) { system(`${by} banned ${showMask(mask)} from the server`); },
  GUNBAN([mask, by]) { system(`${by} lifted the server ban on ${showMask(mask)}`); },
  GBANS(masks) {
    system(masks.length ? `banned from the server: ${masks.join(", ")}` : "nobody is banned from the server");
  },

  ERR([code], text) {
    if (!state.signedIn && SIGN_IN_ERRORS.has(code)) { signInRefused(code, text); return; }
    if (state.rejoining && code === "NO_SUCH_ROOM") {
      // The server restarted and forgot the room: bring it back.
      state.rejoining = false;
      state.resuming = false;
      send(`/create ${state.room}`);
      return;
    }
    if (state.rejoining && ["ROOM_FULL", "BANNED", "INVITE_ONLY", "BAD_KEY"].includes(code)) {
      // The room is still there, but cannot be ours again: to the lobby.
      const room = state.room;
      state.rejoining = false;
      state.resuming = false;
      state.keys.delete(nameKey(room));
      leaveRoom();
      showError(`could not go back to ${room}: ${code}: ${text}`);
      if (code === "BAD_KEY") askKey(room);
      return;
    }
    if (code === "NO_SUCH_ROOM" || code === "ROOM_FULL") {
      state.rejoining = false;
      state.resuming = false;
    }
    const joining = state.joining;
    state.joining = null;
    state.pendingKeys.clear();
    if (state.page === "room") say("", `${code}: ${text}`, "error");
    else showError(`${code}: ${text}`);
    if (code === "BAD_KEY" && joining && state.page === "lobby") askKey(joining);
    if (!state.page) show(state.signedIn ? "lobby" : "username");
  },
  BYE(_, reason) {
    setStatus(`server said goodbye: ${reason}`, true);
    if (FINAL_BYE.test(reason)) stop(reason);
  },
};

function handle(event) {
  if (event.id !== null) state.lastId = event.id;
  const handler = handlers[event.name];
  if (handler) handler(event.fields, event.text);
}

// The username step was refused: forget the name (and password), and ask
// again on the name form, saying what to do.
function signInRefused(code, text) {
  const name = state.name || state.account;
  state.name = null;
  state.account = null;
  state.password = null;
  state.pending.login = null;
  state.renameTo = null;
  sessionStorage.removeItem("chatroom.name");
  keepAccount();
  show("username");
  if (name && !$("name-input").value) $("name-input").value = name;
  const advice = {
    NAME_REGISTERED: `${name} is registered: enter its password to sign in`,
    ACCOUNT_REQUIRED: "this server takes registered names only: enter your password, or tick “new account” to register the name",
    BAD_PASSWORD: `wrong password for ${name}`,
    NO_SUCH_ACCOUNT: `${text}: leave the password empty to use the name without an account, or tick “new account”`,
  };
  showError(`${code}: ${advice[code] || text}`);
  if (code in advice) $("password-input").focus();
}
