// The chatroom web client: the results panel, above the page, for the two
// questions whose answers are lists (docs/protocol.md "Search" and
// "Moderation log"). The header's search box sends /search with what was
// typed (a typed /search does the same): the results (room, who, when,
// the words; newest first) are buttons, and one shows its room and, when
// that message is loaded, scrolls to it and marks it. A message of a
// private conversation (an account's: `FOUND @USER ...`) says so, and
// opens that conversation (private.js). A refused search
// (nothing to search for, too long...) says why in the panel, in the
// server's words without its code or its usage line. /modlog (typed, or
// the room header's "Moderation log" button, shown to the room's owner and
// operators) fills a table of who did what, in words; a refusal is said in
// the log, as any refused command is. /reports (typed, or the header's
// "Reports" button, shown to the same people) lists the room's open
// reports (docs/protocol.md "Reports"), each with what was reported and a
// Close button (/report close N); a report heard live is said in the log,
// and a closed one leaves the list.
"use strict";

const panel = {
  asked: null, // "search", "modlog" or "reports": the reply being waited for
  found: [], // the FOUND lines of the search being answered
  modlog: [], // the MODLOG lines being received
  reports: [], // the open reports being received: { number, room, id, reporter, reason, user, text }
  live: null, // a report heard as it was made, until its text arrives
  query: "", // the search asked
};

// Refusals of a search that are said in the panel (any other is an ERR
// as usual).
const SEARCH_REFUSALS = new Set([
  "BAD_ARGS", "NOT_IN_ROOM", "UNAVAILABLE", "NO_NAME", "NOT_ALLOWED", "BAD_NAME",
]);
const MODLOG_REFUSALS = new Set(["NOT_ALLOWED", "BAD_ARGS", "NOT_IN_ROOM", "UNAVAILABLE"]);

function openPanel(heading) {
  $("results-heading").textContent = heading;
  $("results-note").textContent = "";
  $("found").replaceChildren();
  $("found").hidden = true;
  $("modlog-table").hidden = true;
  $("reports-list").hidden = true;
  $("results").hidden = false;
}

function closePanel() {
  $("results").hidden = true;
  panel.asked = null;
}

// A /search about to be sent (from the box, or typed).
function askSearch(query) {
  panel.asked = "search";
  panel.found = [];
  panel.query = query;
  openPanel(query ? `Search: ${query}` : "Search");
  $("results-note").textContent = "Searching…";
}

function askModlog() {
  panel.asked = "modlog";
  panel.modlog = [];
}

function askReports() {
  panel.asked = "reports";
  panel.reports = [];
}

// One open report in the panel: what was said, who reported it and why,
// and its Close button.
function reportItem({ number, room, reporter, reason, user, text }) {
  const item = document.createElement("li");
  item.dataset.report = number;
  const what = document.createElement("p");
  const place = room.startsWith("@") ? ["a private conversation with ", nameNode(room.slice(1))] : [room];
  what.append(`#${number} in `, ...place, ": ", nameNode(user), ` said “${text}”`);
  const why = document.createElement("p");
  why.append("reported by ", nameNode(reporter), reason ? `: ${reason}` : "");
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close report";
  close.setAttribute("aria-label", `close report ${number}`);
  close.addEventListener("click", () => sendOrKeep(`/report close ${number}`));
  item.append(what, why, close);
  return item;
}

// When a message was said, with the day (results span days).
function whenSaid(time) {
  return new Date(time).toLocaleString([], {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

function foundItem({ room, id, user, time, text }) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "result";
  button.dataset.room = room;
  button.dataset.id = id;
  const where = document.createElement("span");
  where.className = "where";
  if (room.startsWith("@")) where.append("private, with ", nameNode(room.slice(1)));
  else where.textContent = room;
  const nick = nameNode(user);
  nick.classList.add("nick", nickClass(user));
  const stamp = document.createElement("time");
  stamp.className = "time";
  stamp.dateTime = time;
  stamp.textContent = whenSaid(time);
  const words = document.createElement("span");
  words.className = "text";
  words.textContent = text;
  button.append(where, " ", nick, " ", stamp, " ", words);
  button.addEventListener("click", () => goToResult(room, id));
  item.append(button);
  return item;
}

// A result clicked: its room shown and, if loaded, the message in view.
function goToResult(room, id) {
  if (room.startsWith("@")) { goToConversation(room.slice(1), id); return; }
  const view = viewOf(room);
  if (!view) {
    $("results-note").textContent = `You are no longer in ${room}.`;
    return;
  }
  focusRoom(view);
  for (const marked of view.log.querySelectorAll(".found-here")) marked.classList.remove("found-here");
  const message = view.messages.get(id);
  if (!message || message.gone || !message.item.isConnected) {
    $("results-note").textContent = `That message is further back in ${view.name}: scroll up for earlier messages.`;
    return;
  }
  message.item.classList.add("found-here");
  message.item.scrollIntoView({ block: "center" });
  if (window.matchMedia("(max-width: 640px)").matches) closePanel(); // a phone: the log needs the room
}

// "kicked Bob Smith: be nice", a moderation step in words (a person by
// their display name, as every place names them).
function modlogWords(action, target, reason) {
  const why = reason && reason !== "-" ? `: ${reason}` : "";
  if (action === "kick") return ["kicked ", nameNode(target), why];
  if (action === "ban") return [`banned ${showMask(target)}`];
  if (action === "unban") return [`lifted the ban on ${showMask(target)}`];
  if (action === "op") return ["made ", nameNode(target), " an operator"];
  if (action === "deop") return ["took operator status from ", nameNode(target)];
  if (action === "redact") return [`deleted a message (${target})${why}`];
  if (action === "set") {
    const [setting, value] = target.split("=");
    return [describeSetting(setting, value)];
  }
  return [`${action} ${target === "-" ? "" : target}${why}`.trim()];
}

const panelHandlers = {
  FOUND({ room, message: id, user, time }, text) {
    if (panel.asked !== "search") return;
    panel.found.push({ room, id, user, time, text });
    wantProfile(user); // its display name, as beside a message
  },
  FOUND_END() {
    if (panel.asked !== "search") return;
    panel.asked = null;
    const found = panel.found;
    const list = $("found");
    list.replaceChildren(...found.map(foundItem));
    list.hidden = !found.length;
    $("results-note").textContent = found.length === 0 ? `Nothing found for “${panel.query}”.`
      : `${found.length === 1 ? "One message" : `${found.length} messages`} found, newest first.`;
  },
  REPORT({ number, room, id, reporter }, reason) {
    const report = { number, room, id, reporter, reason, user: "", text: "" };
    wantProfile(reporter);
    if (panel.asked === "reports") panel.reports.push(report);
    else panel.live = report;
  },
  REPORT_TEXT({ number, user }, text) {
    const report = panel.asked === "reports" ? panel.reports.at(-1) : panel.live;
    if (!report || report.number !== number) return;
    Object.assign(report, { user, text });
    wantProfile(user);
    if (panel.asked === "reports") return;
    panel.live = null;
    const why = report.reason ? `: ${report.reason}` : "";
    const where = report.room.startsWith("@") ? "private message" : `message in ${report.room}`;
    system([nameNode(report.reporter), " reported ", nameNode(user),
      `'s ${where} (report #${number})${why}: “${text}”`]);
  },
  REPORTS_END({ count }) {
    if (panel.asked !== "reports") return;
    panel.asked = null;
    openPanel("Open reports");
    $("reports-list").replaceChildren(...panel.reports.map(reportItem));
    $("reports-list").hidden = count === "0";
    $("results-note").textContent = count === "0" ? "No open reports." : "Oldest first.";
  },
  REPORT_CLOSED({ number, by }, note) {
    wantProfile(by);
    system([nameNode(by), ` closed report #${number}${note ? `: ${note}` : ""}`]);
    const shown = $("reports-list").querySelector(`[data-report="${number}"]`);
    if (shown) shown.remove();
  },
  // The answer to a report sent: the message named by its author and words.
  REPORTED({ id }) {
    const who = current && current.private ? "the server's admins" : "the room's moderators";
    const message = current && current.messages.get(id);
    system(message
      ? ["You reported ", nameNode(message.user), `'s message to ${who}: “${startOf(message.text)}”`]
      : `You reported a message to ${who}.`);
  },
  MODLOG({ time, by, action, target }, reason) {
    if (panel.asked === "modlog") panel.modlog.push({ time, by, action, target, reason });
  },
  MODLOG_END({ room }) {
    if (panel.asked !== "modlog") return;
    panel.asked = null;
    openPanel(`Moderation log of ${room}`);
    const rows = panel.modlog.map(({ time, by, action, target, reason }) => {
      const row = document.createElement("tr");
      const when = document.createElement("td");
      const stamp = document.createElement("time");
      stamp.dateTime = time;
      stamp.textContent = whenSaid(time);
      when.append(stamp);
      row.append(when);
      row.insertCell().append(nameNode(by));
      row.insertCell().append(...modlogWords(action, target, reason));
      return row;
    });
    $("modlog-rows").replaceChildren(...rows);
    $("modlog-table").hidden = !rows.length;
    $("results-note").textContent = rows.length
      ? "Oldest first." : `Nothing has been moderated in ${room} yet.`;
  },
};

// An ERR: the answer to the search being waited for, said in the panel
// (true), or not about it (false). A refused /modlog is said in the log.
function panelRefused(code, text) {
  if (panel.asked === "modlog" && MODLOG_REFUSALS.has(code)) panel.asked = null;
  if (panel.asked === "reports" && MODLOG_REFUSALS.has(code)) panel.asked = null;
  if (panel.asked !== "search" || !SEARCH_REFUSALS.has(code)) return false;
  panel.asked = null;
  let words = text.replace(/;\s*usage:.*$/su, "");
  if (code === "UNAVAILABLE") words = "Search is not available on this server yet.";
  else if (code === "NO_NAME") words = "Choose a username first.";
  else words = `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
  $("results-note").textContent = words;
  return true;
}

// Whether the room header offers the moderation log (its owner and
// operators; server admins may type /modlog).
function drawModlogButton() {
  $("modlog-button").hidden = !current || !mayModerate();
  $("reports-button").hidden = !current || !mayModerate();
}

function startPanel() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = $("search-input").value.trim();
    if (!online()) { showError("not connected: waiting to reconnect"); return; }
    askSearch(query);
    send(query ? `/search ${query}` : "/search");
  });
  $("results-close").addEventListener("click", closePanel);
  $("modlog-button").addEventListener("click", () => {
    askModlog();
    sendOrKeep("/modlog");
  });
  $("reports-button").addEventListener("click", () => {
    askReports();
    sendOrKeep(current ? `/reports ${current.name}` : "/reports");
  });
}
