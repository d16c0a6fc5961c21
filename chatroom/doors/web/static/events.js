// The chatroom web client: what the server says. One handler per event of
// the line protocol (docs/protocol.md), turning it into drawing calls of
// view.js and the others (all loaded before the page connects, see app.js).
// A handler is given the event's fields by their names in the server's
// grammar (`{ room, user, time }`: WIRE.fields, wire.js), then its free
// text, or a list event's words (MEMBERS' names, BANS' masks), then the
// whole event (its id and tags).

// -- what the server says -----------------------------------------------------

const handlers = {
  HELLO() {
    state.renameTo = null;
    clearMoments();
    // Before signing in, so an account's rooms come back with what was
    // missed, unasked (docs/protocol.md "Many devices").
    send("/caps ids multi rich");
    forgetProfiles();
    if (state.invite) send(`/redeem ${state.invite}`); // once: a refusal is said
    state.invite = null;
    signIn();
  },
  WELCOME({ user: name }) {
    // The operator's message of the day (--motd) follows, a MOTD a line.
    $("motd").textContent = "";
    $("motd").hidden = true;
    const login = state.pending.login;
    state.pending.login = null;
    state.signedIn = true;
    state.name = name;
    state.account = login ? name : null;
    state.password = login ? login.password : null;
    keepAccount();
    // Signed in with a password or a ticket: a device session to come back
    // with (session.js); signed in with one, it goes on.
    if (login && !login.session) askSession();
    state.backoff = FIRST_BACKOFF;
    state.lostSession = false;
    state.nameAttempts = 0;
    sessionStorage.setItem("chatroom.name", name);
    drawWhoami();
    hideError();
    if (state.renameTo) send(`/nick ${state.renameTo}`);
    state.renameTo = null;
    send("/watch on");
    conversationsBack();
    // An account's kept conversations, with their unread counts (private.js).
    if (state.account) askConversations();
    // An account's rooms come back unasked: the others are asked for once
    // /unread (below) is answered.
    if (!rejoinRooms(Boolean(state.account))) {
      backOnline();
      if (current && current.private) { // in no room, a conversation shown
        flushOutbox();
        fetchConversation(current);
      } else show("lobby");
    }
    // What the account's rooms had since it last read them: the badges;
    // its answer also says the rooms given back are in.
    if (state.account) send("/unread");
    else linkReady(); // a plain name: a link is followed now (links.js)
  },
  MOTD(_, text) {
    const motd = $("motd");
    motd.textContent += `${motd.hidden ? "" : "\n"}${text}`; // hidden: the first
    motd.hidden = false;
  },
  ROOMS({ count, more }) {
    state.rooms.clear();
    // The lobby's list of a big server: the fullest rooms, and how many
    // more /list shows (absent: none).
    state.roomsMore = Number(more) || 0;
    drawRooms();
    if (state.asked.list && state.page === "room") {
      state.asked.list = false;
      state.listing = { left: Number(count), rooms: [] };
      if (state.listing.left === 0) listingDone();
    }
  },
  ROOM({ room: name, members, capacity }, topic) {
    state.rooms.set(name, { name, members, capacity, topic });
    drawRooms();
    if (state.listing) {
      state.listing.rooms.push(`${name} (${members} of ${capacity})${topic ? `: ${topic}` : ""}`);
      state.listing.left -= 1;
      if (state.listing.left <= 0) listingDone();
    }
  },
  ROOM_GONE({ room: name }) { state.rooms.delete(name); drawRooms(); },
  // A room joined (many at once: rooms.js), or joined again after a lost
  // connection (resuming, or made again after a restart that forgot it):
  // then its log is kept.
  JOINED({ room, members }) {
    Object.assign(target(), { joinedCount: Number(members), joinListed: false });
    joinedRoom(room);
    arrivedIn(room); // a tapped notification's room
    joinedLinked(room); // a link's (links.js)
  },
  MEMBERS(_, names) {
    const view = target();
    if (!view.joinListed) { // the join's own: fewer than JOINED counted in a big room
      view.joinListed = true;
      view.total = names.length < view.joinedCount ? view.joinedCount : null;
    }
    state.members = names;
    state.whoShown = null;
    drawMembers();
    if (state.asked.who) {
      state.asked.who = false;
      state.whoShown = system(`In ${target().name}: ${describeMembers()}`);
    }
  },
  GAP({ count }) {
    info(count === "?" ? "earlier messages were missed" : `${count} earlier messages were missed`);
  },
  HISTORY({ user, time }, text, event) { replayed(event, user, time, text, false); },
  HISTORY_ACTION({ user, time }, text, event) { replayed(event, user, time, text, true); },
  HISTORY_END({ room: where, count }) {
    if (where.startsWith("@")) conversationHistoryEnd(where.slice(1), Number(count));
    else if (scroll.paging) {
      olderDone(Number(count));
      seekOn(target()); // a link's message may be among them (links.js)
    }
  },
  TOKEN({ token, seconds }) { tokenArrived(token, seconds); },
  MSG({ user, time }, text, event) {
    stopTyping(target(), user);
    noteRoomMessage(user, text);
    toLog(roomMessage(event, time, user, text, "message"));
  },
  ACTION({ user, time }, text, event) {
    stopTyping(target(), user);
    noteRoomMessage(user, text);
    toLog(roomMessage(event, time, user, text, "message", true));
  },
  // To the room's owner and operators only, this user among them (the
  // server sends it to nobody else): marked as such, in the room's log.
  OPMSG({ user, time }, text) {
    noteRoomMessage(user, text);
    const line = messageLine(time, user, text, "message", { to: "operators" });
    dressAuthor(line, user);
    appendToLog(line);
  },
  OPNOTICE(field, text, event) { handlers.OPMSG(field, text, event); },
  // A slash command's answer for this device alone (docs/web.md "Slash
  // commands"): in the room's log from the command's bot, marked as seen
  // by you alone; the server keeps nothing of it, so a reload loses it.
  EPHEMERAL({ user, time }, text) {
    const line = messageLine(time, user, text, "message ephemeral");
    markBot(line);
    const mark = document.createElement("span");
    mark.className = "only-you";
    mark.textContent = "only you can see this";
    line.append(" ", mark);
    appendToLog(line);
  },
  // Into the conversation with the other person (private.js).
  PRIVMSG(field, text, event) { privateMessage(event, field, text); },
  TOPIC({ user }, text) {
    const view = target();
    const changed = view.topic !== text;
    view.topic = text;
    view.topicBy = user;
    drawTopic();
    if (state.asked.topic) {
      state.asked.topic = false;
      system(text ? `The topic is “${text}” (set by ${user})` : "This room has no topic");
    } else if (!view.joining && changed) {
      info(text ? [nameNode(user), ` changed the topic to “${text}”`]
        : [nameNode(user), " cleared the topic"]);
    }
  },
  OWNER({ user }) {
    const changed = state.owner !== "" && state.owner !== user;
    state.owner = user;
    drawMembers();
    if (state.whoShown) {
      state.whoShown.textContent = `In ${target().name}: ${describeMembers()}`;
      state.whoShown = null;
    }
    if (changed) info([nameNode(user), " owns the room now"]);
  },
  JOIN({ user }) { state.members.push(user); drawMembers(); info([nameNode(user), " joined"]); },
  PART({ user }, reason) {
    stopTyping(target(), user);
    removeMember(user);
    info([nameNode(user), ` left (${reason})`]);
  },
  // Once from each room the user is in: said in every room it concerns.
  NICK({ old, new: name }) {
    if (isMe(old)) {
      state.name = name;
      sessionStorage.setItem("chatroom.name", name);
      drawWhoami();
    }
    for (const view of views.values()) {
      if (!view.members.includes(old)) continue;
      activate(view);
      state.members = state.members.map((m) => (m === old ? name : m));
      if (state.operators.delete(nameKey(old))) state.operators.add(nameKey(name));
      info(`${old} is now ${name}`);
    }
    activate(null);
    drawMembers();
    callUserRenamed(old, name);
  },
  LEFT({ room }) { dropView(room); },
  CAPS() {},
  PONG(_, token) { outboxPong(token); },
  ACK(field) { acknowledged(field); },
  DELETED({ room, by }) { dropView(room); showError(`${by} deleted ${room}`); },
  // A room renamed: its view goes by the new name (a lobby watcher's list
  // gets the new entry in the ROOM line that follows).
  RENAMED({ room, new: name, by }, reason) {
    state.rooms.delete(room);
    drawRooms();
    callRoomRenamed(room, name);
    if (!viewOf(room)) return; // a lobby watcher's news
    renameView(room, name);
    info([nameNode(by), ` renamed ${room} to ${name}${reason ? ` (${reason})` : ""}`]);
  },
  NOTICE(_, text) { info(text); },
  SLOW(_, text) { system(text); },
  LIMITS({ rate, burst, backlog }) {
    const pace = Number(rate) > 0 ? `${rate} a second` : "no limit";
    system(`you may send ${burst} lines at once, then ${pace}; past that they wait (at most ${backlog})`);
  },
  HELP(_, text) { if (!/\b(ID|ids|\/caps|\/watch)\b/.test(text)) system(text); },
  PING(_, token) { send(`PONG ${token}`); },

  // Accounts: the password typed with a command is kept once confirmed.
  REGISTERED({ account: name }) {
    const typed = state.signedIn && state.pending.register !== null;
    state.account = name;
    if (state.pending.register !== null) state.password = state.pending.register;
    state.pending.register = null;
    keepAccount();
    drawWhoami();
    system(`${name} is now registered: you are signed in to it, and only you can use the name`);
    if (typed) askSession(); // a plain name made an account in the room
  },
  PASSWORD_CHANGED({ account }) {
    if (state.pending.newPassword !== null) state.password = state.pending.newPassword;
    state.pending.newPassword = null;
    system(`the password of ${account} was changed`);
    // A new password ends the account's sessions, this browser's too.
    if (state.session) askSession();
  },
  // E-mail: an account's address (/email, /verify), and a password reset.
  EMAIL({ address, kept }) {
    system(address === "none"
      ? "your account keeps no e-mail address: /email ADDRESS to give one"
      : `your account's e-mail address: ${address} (${kept})`);
  },
  EMAIL_PENDING({ address }) {
    system(`a code was mailed to ${address}: type /verify CODE, or open the mail's link`);
  },
  EMAIL_VERIFIED({ address }) { system(`${address} is verified`); },
  EMAIL_REQUIRED({ account, seconds }) {
    const hours = Math.max(1, Math.round(Number(seconds) / 3600));
    system(`${account} counts once it has a verified e-mail address: /email ADDRESS, `
      + `then /verify CODE, within ${hours} hour(s), or the account is removed`);
  },
  // App passwords (/app-password): a new one is shown this once, here.
  APP_PASSWORD({ label, password }) {
    system(`app password for ${label}: ${password} (shown this once: give it to `
      + "that client now; it signs in with /login or SASL PLAIN, nothing else)");
  },
  APP_PASSWORD_MADE({ label, made }) { system(`app password ${label}, made ${made}`); },
  APP_PASSWORDS_END({ count }) {
    system(count === "0" ? "you have no app passwords" : `${count} app password(s)`);
  },
  // Bots (/bot): a new one's token is shown this once, here.
  BOT({ name, token }) {
    system(`bot ${name}: its token is ${token} (shown this once: the bot signs in `
      + "with it as its password, or sends it as Authorization: Bearer)");
  },
  BOT_MADE({ name, made }) { system(`bot ${name}, made ${made}`); },
  BOTS_END({ count }) { system(count === "0" ? "you have no bots" : `${count} bot(s)`); },
  BOT_REMOVED({ name }) { system(`bot ${name} removed: its token signs in no more`); },
  APP_PASSWORD_REMOVED({ label }) { system(`app password ${label} removed: it signs in no more`); },
  // /set mail on|off: whether what the account misses while away is mailed.
  MAIL({ state: mailed }) {
    system(mailed === "on"
      ? "what you miss while away is mailed to your verified address"
      : "what you miss while away is not mailed");
  },
  // An invitation's link opened: this tab may register one account.
  REDEEMED() {
    // The code leaves the address bar (and the history) once spent.
    history.replaceState(null, "", location.pathname + location.hash);
    $("register-input").checked = true;
    system("invitation accepted: choose a name and a password to register");
  },
  RESET_SENT({ account }) {
    const note = $("reset-note");
    note.textContent = `If ${account} has a verified e-mail address, a mail with a link `
      + "to choose a new password is on its way (the link works once, for 30 minutes).";
    note.hidden = false;
  },
  // "Download my data" (app.js sends /export): the one-time link opened.
  EXPORT({ url }) {
    // A link followed, not a window opened: popup blockers let downloads by.
    const link = document.createElement("a");
    link.href = url;
    link.download = "chatroom-export.json";
    link.click();
    system("your data is downloading (the link works once, for 10 minutes)");
  },
  PUSH({ what }, key) { pushAnswer(what, key); },
  ACCOUNT_DELETED({ account }) {
    state.account = null;
    state.password = null;
    forgetSession();
    keepAccount();
    drawWhoami();
    system(`${account} is deleted, with its data`);
  },
  UNREGISTERED({ account }) {
    state.account = null;
    state.password = null;
    forgetSession();
    keepAccount();
    drawWhoami();
    system(`${account} is no longer registered: you keep the name as a plain one`);
  },

  // Moderation: shown to the room; a kick or an invitation to the user.
  OP({ user, by }) {
    state.operators.add(nameKey(user));
    drawMembers();
    info([nameNode(by), " made ", nameNode(user), " an operator"]);
  },
  VOICE({ user, by }) { info([nameNode(by), " gave ", nameNode(user), " a voice"]); },
  DEVOICE({ user, by }) { info([nameNode(by), " took ", nameNode(user), "'s voice"]); },
  DEOP({ user, by }) {
    state.operators.delete(nameKey(user));
    drawMembers();
    info([nameNode(by), " took operator status from ", nameNode(user)]);
  },
  KICK({ user, by }, reason) {
    stopTyping(target(), user);
    removeMember(user);
    info([nameNode(by), " kicked ", nameNode(user), `: ${reason}`]);
  },
  KICKED({ room, by }, reason) {
    dropView(room);
    const words = `You were kicked from ${room} by ${by}: ${reason}`;
    system(words);
    notice(words, "kicked", null, true);
  },
  BAN({ mask, by }) { info([nameNode(by), ` banned ${showMask(mask)}`]); },
  UNBAN({ mask, by }) { info([nameNode(by), ` lifted the ban on ${showMask(mask)}`]); },
  SET({ room, setting, value, by }) {
    if (setting.includes(",")) {  // an IRC MODE line's on/off letters at once
      const values = value.split(",");
      setting.split(",").forEach((one, i) => {
        info([nameNode(by), ` ${describeSetting(one, values[i])}`]);
      });
      return;
    }
    if (setting === "keep") target().keep = value;
    if (setting === "key") {
      const typed = state.pending.roomKey;
      state.pending.roomKey = null;
      if (value === "on" && isMe(by) && typed) state.keys.set(nameKey(room), typed);
      else state.keys.delete(nameKey(room));
    }
    info([nameNode(by), ` ${describeSetting(setting, value)}`]);
  },
  INVITE({ user, by }) { info([nameNode(by), " invited ", nameNode(user)]); },
  INVITED({ room, by }) {
    system(`${by} invited you to ${room}: /join ${room}`);
    notice(`${by} invited you to ${room}`, "invited", {
      label: `Join ${room}`, act() { join(room); },
    }, true);
  },
  // The room's settings: its owner (present, or `account:NAME` while away)
  // and operators marked in the member list, whether it is kept when empty.
  // Said in the room's log only when the user typed /info (rooms.js asks
  // quietly on joining).
  INFO({ setting }, value) {
    const view = target();
    if (setting === "operators") {
      state.operators = new Set(value === "-" ? [] : value.split(" ").map(nameKey));
      drawMembers();
    } else if (setting === "owner") {
      state.owner = value === "-" || value.includes(":") ? "" : value;
      drawMembers();
    } else if (setting === "keep") view.keep = value;
    if (!view.infoQuiet) system(`${setting}: ${value}`);
  },
  INFO_END({ room }) {
    const view = target();
    if (view.infoQuiet) view.infoQuiet -= 1;
    else system(`(end of ${room}'s settings)`);
  },
  BANS({ room }, masks) {
    system(masks.length ? `banned from ${room}: ${masks.join(", ")}` : `nobody is banned from ${room}`);
  },

  // A room's webhooks (docs/protocol.md "Webhooks"): the owner's /webhook replies.
  WEBHOOK({ name, url }) { system(`webhook ${name}: ${url} (keep it secret: whoever has it posts here)`); },
  WEBHOOKS_END({ room, count }) { system(`(${room} has ${count} webhook${count === "1" ? "" : "s"})`); },
  WEBHOOK_REMOVED({ name }) { system(`webhook ${name} removed: its address posts no more`); },
  COMMAND({ name, url, token }) { system(`/${name} posts to ${url} with the token ${token}`); },
  COMMANDS_END({ room, count }) { system(`(${room} has ${count} slash command${count === "1" ? "" : "s"})`); },
  COMMAND_REMOVED({ name }) { system(`/${name} removed`); },

  // Threads (docs/protocol.md): the answers to /threads and /follow in
  // words (threads.js keeps a thread's messages, the pins and levels).
  THREAD({ root, count, last, time }) {
    system(`thread #${root}: ${count} repl${count === "1" ? "y" : "ies"}, the last #${last} at ${time}`);
  },
  THREADS_END() { system("(end of the threads)"); },
  FOLLOW({ root }) { system(`you follow the thread of #${root}`); },
  UNFOLLOW({ root }) { system(`you no longer follow the thread of #${root}`); },

  // Server admins.
  ANNOUNCE({ by }, text) { notice(`Announcement from ${by}: ${text}`, "announce"); },
  KILLED({ user, by }, reason) { system(`${by} disconnected ${user}: ${reason}`); },
  GBAN({ mask, by, until }) {
    system(`${by} banned ${showMask(mask)} from the server${until ? ` until ${until}` : ""}`);
  },
  GUNBAN({ mask, by }) { system(`${by} lifted the server ban on ${showMask(mask)}`); },
  GBANS(_, masks) {
    system(masks.length
      ? `banned from the server: ${masks.map(showMask).join(", ")}`
      : "nobody is banned from the server");
  },
  LOCKDOWN({ level, by }) {
    const setter = by && by !== "-" ? ` (set by ${by})` : "";
    system(`lockdown ${LOCKDOWN_WORDS[level] || level}${setter}`);
  },

  // An account's ignore list (docs/protocol.md, "Ignoring someone").
  IGNORED({ name }) { system(`you ignore ${name}: nothing ${name} says reaches you`); },
  UNIGNORED({ name }) { system(`you hear ${name} again`); },
  IGNORES(_, names) { system(names.length ? `you ignore ${names.join(", ")}` : "you ignore nobody"); },
  REHASHED(_, text) { system(`configuration reloaded: ${text}`); },

  ERR({ code }, text) {
    if (outboxRefused(code, text)) return; // a keyed line's (outbox.js)
    callRefused(); // a /call start or join refused: the page is in no call
    if (code === "NAME_TAKEN" && nameStillHeld()) return;
    if (sessionRefused(code)) return; // no device sessions here: the password stays in memory
    if (conversationsRefused(code)) return; // a server that keeps no list of them
    if (!state.signedIn && SIGN_IN_ERRORS.has(code)) { signInRefused(code, text); return; }
    if (code === "ROOM_EXISTS" && state.creating) {
      // The lobby's field named a room made meanwhile: go in.
      const room = state.creating;
      state.creating = null;
      join(room);
      return;
    }
    if (scroll.paging) { scroll.paging = false; drawOlder(); }
    if (panelRefused(code, text)) return;
    if (rejoinRefused(code, text)) return;
    const joining = state.joining;
    state.joining = null;
    state.pendingKeys.clear();
    state.creating = null;
    state.asked = { who: false, list: false, topic: false };
    if (state.page === "room") say("", errorWords(code, text), "error");
    else showError(errorWords(code, text));
    if (code === "BAD_KEY" && joining && state.page === "lobby") askKey(joining);
    if (!state.page) show(state.signedIn ? "lobby" : "username");
  },
  BYE(_, reason) {
    state.bye = reason;
    setStatus(`server said goodbye: ${reason}`, true);
    if (isFinalBye(reason)) stop(reason);
  },
};

Object.assign(
  handlers, roomHandlers, richHandlers, reactionHandlers, typingHandlers, panelHandlers,
  threadHandlers, profileHandlers, sessionHandlers, conversationHandlers, callHandlers,
);

// An event is handled as about the room it names (its log, members, ids:
// rooms.js), else the current room.
function handle(event) {
  activate(eventRoom(event));
  try {
    if (shownAlready(event)) return;
    if (event.id !== null && inRoom() && event.name !== "PRIVMSG") {
      // Older ids come with a /history reply: the newest and oldest shown
      // are kept apart (ids are decimal numbers, increasing). A private
      // message's id counts in its conversation, not the room: not a position.
      const id = Number(event.id);
      if (state.lastId === null || id > Number(state.lastId)) state.lastId = event.id;
      if (state.firstId === null || id < Number(state.firstId)) {
        state.firstId = event.id;
        drawOlder();
      }
    }
    const handler = handlers[event.name];
    const after = LIST_EVENTS.has(event.name) ? event.listed : event.text;
    if (handler) handler(event.field, after, event);
  } finally {
    activate(null);
  }
  seeNewest();
}

// A replayed message the room's log shows already: a room given back
// unasked replays from the account's read marker, which may be older, and
// the recent messages asked for on coming back (rooms.js) may include one
// that arrived live meanwhile.
function shownAlready(event) {
  if (event.name !== "HISTORY" && event.name !== "HISTORY_ACTION") return false;
  if (event.id === null || !inRoom()) return false;
  if (target().messages.has(event.id)) return true;
  return !partOfOlder(event.id) && state.lastId !== null
    && Number(event.id) <= Number(state.lastId);
}

// A replayed message: drawn as a live one is, in the log (or above it, for
// a /history reply); the first of a join's replay is where its "new
// messages" divider goes (rooms.js). (Not called history: a function of
// that name would take window.history's place.)
function replayed(event, user, time, text, action) {
  const line = roomMessage(event, time, user, text, "message replayed", action);
  if (inThread(line)) return;
  if (partOfOlder(event.id)) { olderLine(line); return; }
  const view = target();
  if (view.joining && !view.joinFirst) view.joinFirst = line;
  appendToLog(line);
}

// "alice (owner), bob (operator), carol"
function describeMembers() {
  return state.members.map((member) => {
    if (member === state.owner) return `${member} (owner)`;
    return state.operators.has(nameKey(member)) ? `${member} (operator)` : member;
  }).join(", ");
}

// A /list typed in a room has had all its rooms.
function listingDone() {
  const { rooms } = state.listing;
  state.listing = null;
  system(rooms.length ? `Rooms: ${rooms.join("; ")}` : "There are no rooms.");
}

// Signing in on a new connection: to the account again, with its device
// session (session.js), the provider's ticket or the password in memory
// (then taking back a name chosen since), or as the same name, or the name
// form.
function signIn() {
  if (signInWithSession()) return;
  if (state.ticket) {
    // Back from the provider, or signed in with it before: the ticket again.
    if (state.name && state.account && nameKey(state.name) !== nameKey(state.account)) {
      state.renameTo = state.name;
    }
    state.pending.login = { password: null };
    send(`/oidc ${state.ticket}`);
  } else if (state.account && state.password) {
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
}

// After a lost connection the old session may still hold the name: on a
// node that died, until another node harvests it (--node-ttl), so that the
// page reconnecting through another node is answered NAME_TAKEN. Then it
// is not a refusal: sign in again after 2, 4, 8 ... s (the terminal
// client's rule), with the banner saying why, and the name form only once
// the tries are spent.
function nameStillHeld() {
  if (state.signedIn || !state.lostSession || !state.name) return false;
  if (state.nameAttempts >= NAME_RETRIES) return false;
  state.nameAttempts += 1;
  const delay = Math.min(2 ** state.nameAttempts, 30);
  drawConnection(`${state.name} is still held by the lost connection: trying again in ${delay} s`);
  clearTimeout(state.nameRetry);
  state.nameRetry = setTimeout(() => { if (state.ws && !state.signedIn) signIn(); }, delay * 1000);
  return true;
}

// The username step was refused: forget the name (and password), and ask
// again on the name form, saying what to do.
function signInRefused(code, text) {
  const name = state.name || state.account || (state.session && state.session.account);
  const ended = sessionEnded(code, name);
  state.name = null;
  state.account = null;
  state.password = null;
  state.ticket = null;
  sessionStorage.removeItem("chatroom.ticket");
  state.pending.login = null;
  state.renameTo = null;
  sessionStorage.removeItem("chatroom.name");
  keepAccount();
  show("username");
  if (name && !$("name-input").value) $("name-input").value = name;
  const advice = {
    NAME_REGISTERED: `${name} is registered: enter its password to sign in`,
    // The server's reason (accounts only, a lockdown, a blocklist's
    // listing), in the wire's words as every client says it.
    ACCOUNT_REQUIRED: accountRequiredWords(text),
    BAD_PASSWORD: `wrong password for ${name}`,
    NO_SUCH_ACCOUNT: `${text}: leave the password empty to use the name without an account, or tick “new account”`,
  };
  showError(ended || advice[code] || errorWords(code, text));
  if (ended || code in advice) $("password-input").focus();
}
