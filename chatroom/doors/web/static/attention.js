// The chatroom web client: getting the user's attention. While the tab is
// hidden, messages are counted (and those naming the user, and private
// messages, counted apart): the title and the favicon show the counts, and
// a mention or a private message raises a desktop notification if the user
// allowed them (asked for only when the user presses the header's button,
// as browsers require a user gesture). Coming back clears the counts and
// closes the notifications.
"use strict";

const attention = {
  unread: 0, // messages since the tab was hidden
  mentions: 0, // of those, the ones naming the user, and private messages
  shown: [], // notifications raised, closed on coming back
  raised: [], // their title and body, kept for the page's own use (and tests)
};

function away() { return document.visibilityState === "hidden"; }

// "(3) " or "(1! 3) ": unread messages, with mentions first: those of
// the current room while the tab is hidden, and the other rooms' badges.
function attentionPrefix() {
  const rooms = roomsUnread();
  const unread = attention.unread + rooms.unread;
  const mentions = attention.mentions + rooms.mentions;
  if (!unread && !mentions) return "";
  return mentions ? `(${mentions}! ${unread}) ` : `(${unread}) `;
}

// A message someone else sent is arriving (not replayed history): noted
// before it is drawn, so that the "new messages" divider goes above it.
function noteMessage(user, text, { privately = false } = {}) {
  if (isMe(user) || !away()) return;
  const forMe = privately || mentionsMe(text);
  dividerBeforeUnread();
  attention.unread += 1;
  if (forMe) {
    attention.mentions += 1;
    notify(privately ? `${user} (private message)` : `${user} in ${state.room}`, text);
  }
  drawTitle();
}

function notify(title, body) {
  attention.raised.push({ title, body });
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const shown = new Notification(title, { body, tag: "chatroom" });
    shown.onclick = () => { window.focus(); shown.close(); };
    attention.shown.push(shown);
  } catch {
    // Some browsers only notify from a service worker: the title says it.
  }
}

function cameBack() {
  if (away()) {
    markRead();
    return;
  }
  attention.unread = 0;
  attention.mentions = 0;
  for (const shown of attention.shown) shown.close();
  attention.shown = [];
  drawTitle();
  seeNewest(); // back on the tab: its room's newest line is read now
}

// The favicon: a speech bubble, with a dot when there is something unread
// here or in another room (red with the count when it is for the user).
function drawFavicon() {
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 32;
  const pen = canvas.getContext("2d");
  if (!pen) return;
  pen.fillStyle = "#1f4e8c";
  pen.beginPath();
  pen.roundRect(2, 4, 26, 19, 5);
  pen.moveTo(8, 22);
  pen.lineTo(6, 30);
  pen.lineTo(15, 22);
  pen.fill();
  const rooms = roomsUnread();
  const unread = attention.unread + rooms.unread;
  const mentions = attention.mentions + rooms.mentions;
  if (unread || mentions) {
    pen.fillStyle = mentions ? "#c0162b" : "#d97706";
    pen.beginPath();
    pen.arc(23, 9, 9, 0, 2 * Math.PI);
    pen.fill();
    if (mentions) {
      pen.fillStyle = "#ffffff";
      pen.font = "bold 13px sans-serif";
      pen.textAlign = "center";
      pen.textBaseline = "middle";
      pen.fillText(mentions > 9 ? "9+" : String(mentions), 23, 10);
    }
  }
  $("favicon").href = canvas.toDataURL("image/png");
}

function drawNotifyButton() {
  const button = $("notify-button");
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
}

function startAttention() {
  document.addEventListener("visibilitychange", cameBack);
  drawNotifyButton();
  $("notify-button").addEventListener("click", () => {
    Notification.requestPermission().then(drawNotifyButton, drawNotifyButton);
  });
  // Allowed or blocked from the browser's own settings: the button follows.
  if (navigator.permissions) {
    navigator.permissions.query({ name: "notifications" }).then((status) => {
      status.onchange = drawNotifyButton;
    }, () => {});
  }
}
