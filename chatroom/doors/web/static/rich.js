// The chatroom web client: messages with a life (/caps rich, docs/protocol.md
// "Messages with a life"). A reply shows the message it answers (when that
// one is loaded), an edit replaces a message's words and marks it
// "(edited)", a deletion leaves a dim "message deleted" in its place, a
// link's preview is a card under its message. Each message with an id gets
// the button of its menu (compose.js).
"use strict";

const QUOTE_LENGTH = 80;

// The start of a message's words, as a quote gives it ("…" if cut).
function startOf(text, length = QUOTE_LENGTH) {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

// A message of a room, live or replayed: its line, with the message it
// answers quoted, kept by id (in its room's view) for edits, deletions,
// reactions and replies. A paste (its `multiline` tag: the lines, `\r`
// gluing a line to the one before) shows its lines as a block; its `text`
// is the lines joined, as edits and quotes use it. Returns the line
// without placing it.
function roomMessage(event, time, user, text, kind, action = false) {
  const item = messageLine(time, user, text, kind, { action });
  wantProfile(user);
  dressAuthor(item, user);
  if (event.tags.multiline) {
    item.classList.add("multiline");
    const words = item.querySelector(".text");
    words.replaceChildren();
    appendMessageText(words, event.tags.multiline.replaceAll("\r", ""), action);
  }
  if ("bot" in event.tags) markBot(item);
  if (event.tags.bridged === "matrix") markBridged(item, "matrix", "from Matrix");
  const file = attachment(event.tags, text);
  if (file) item.querySelector(".text").after(file);
  if (event.id === null || !inRoom()) return item;
  const view = target();
  item.dataset.id = event.id;
  view.messages.set(event.id, { item, user, text, action, gone: false });
  // A thread's message (docs/protocol.md "Threads") goes into its thread
  // when its root is here (threads.js), else quotes the root as a reply
  // quotes what it answers.
  if (event.tags.thread !== undefined) item.dataset.thread = event.tags.thread;
  const kept = keptInThread(view, event, item, user, time);
  const answered = "reply" in event.tags || kept ? event.tags.reply : event.tags.thread;
  if (answered !== undefined) item.prepend(quoteOf(view, answered));
  // A paste's block, or a message's blocks (a quote, a list), end the
  // line: its button goes before them.
  const button = menuButton(item, user);
  const words = item.querySelector(".text");
  if (event.tags.multiline || words.classList.contains("blocks")) words.before(button);
  else item.append(button);
  return item;
}

// A bot's message (an IRC client in bot mode, docs/irc.md "Bots": its
// `bot` tag): a small "bot" after the nick, so nobody takes it for a person.
function markBot(item) {
  const badge = document.createElement("span");
  badge.className = "bot";
  badge.textContent = "bot";
  badge.title = "sent by a bot";
  item.querySelector(".nick").after(document.createTextNode(" "), badge);
}

// A message that came over a bridge (docs/web.md "Bridged users": its
// `bridged` tag): the network's name after the nick, as a bot's mark is.
function markBridged(item, network, title) {
  const badge = document.createElement("span");
  badge.className = "bridged";
  badge.textContent = network;
  badge.title = title;
  item.querySelector(".nick").after(document.createTextNode(" "), badge);
}

// What a preview's link and image must be: one http(s) address.
const HTTP_ADDRESS = /^https?:\/\/\S+$/i;

// A message's link preview (docs/web.md "Link previews"): a card under it
// with the page's title, description and image (scaled), the whole card a
// link to the page. What the page said is only ever text (textContent);
// the image is an <img> of an http(s) address, sent no referrer.
function previewCard(url, { title = "", description = "", image = "" }) {
  const card = document.createElement("a");
  card.className = "preview";
  card.href = url;
  card.target = "_blank";
  card.rel = "noopener noreferrer";
  if (image && HTTP_ADDRESS.test(image)) {
    const picture = document.createElement("img");
    picture.src = image;
    picture.alt = "";
    picture.loading = "lazy";
    picture.referrerPolicy = "no-referrer";
    picture.addEventListener("error", () => picture.remove()); // none: no gap
    card.append(picture);
  }
  const words = document.createElement("span");
  words.className = "preview-words";
  const parts = [
    ["preview-title", title],
    ["preview-description", description],
    ["preview-site", new URL(url).host],
  ];
  for (const [kind, value] of parts) {
    if (!value) continue;
    const part = document.createElement("span");
    part.className = kind;
    part.textContent = value;
    words.append(part);
  }
  card.append(words);
  return card;
}

// "↪ Alice Liddell: anyone for tea?", the start of the message answered
// (its author by their display name, as everywhere: profiles.js).
function quoteOf(view, id) {
  const quote = document.createElement("span");
  quote.className = "quote";
  const original = view.messages.get(id);
  if (!original) quote.textContent = "↪ in reply to an earlier message";
  else if (original.gone) quote.textContent = "↪ in reply to a deleted message";
  else quote.append("↪ ", nameNode(original.user), `: ${startOf(original.text)}`);
  return quote;
}

const richHandlers = {
  // The card of message ID's link, once the server fetched it (before its
  // reactions, if it has some). A message not loaded here is left alone.
  PREVIEW({ message: id, url }, _, event) {
    const message = target().messages.get(id);
    if (!message || message.gone || !HTTP_ADDRESS.test(url)) return;
    const { title, description, image } = event.tags;
    if (!title && !description && !image) return;
    const card = previewCard(url, event.tags);
    const old = message.item.querySelector(".preview");
    const chips = message.item.querySelector(".reactions");
    if (old) old.replaceWith(card);
    else if (chips) chips.before(card);
    else message.item.append(card);
  },
  // The answer to /set previews on|off.
  PREVIEWS({ state: on }) {
    system(on === "off" ? "Link previews are off: cards of links are not shown."
      : "Link previews are on.");
  },
  // Message ID now reads `text` (a message not loaded here is left alone:
  // loading it later brings its text as it now stands).
  EDIT({ message: id, user, time }, text) {
    const message = target().messages.get(id);
    if (!message || message.gone) return;
    message.text = text;
    message.item.classList.remove("multiline");
    const words = message.item.querySelector(".text");
    words.replaceChildren();
    appendMessageText(words, text, message.action);
    let mark = message.item.querySelector(".edited");
    if (!mark) {
      mark = document.createElement("span");
      mark.className = "edited";
      mark.textContent = " (edited)";
      words.after(mark);
    }
    mark.title = `edited at ${new Date(time).toLocaleTimeString()}`;
    if (!isMe(user)) message.item.classList.toggle("mention", mentionsMe(text) && !muted(target()));
  },
  // Message ID was deleted: its line stays, dim, saying so.
  REDACT({ message: id, by }, reason) {
    const message = target().messages.get(id);
    if (!message || message.gone) return;
    message.gone = true;
    const { item } = message;
    closeMenu(item);
    const stamp = item.querySelector("time");
    const words = document.createElement("span");
    words.append("message deleted");
    if (nameKey(by) !== nameKey(message.user)) words.append(" by ", nameNode(by));
    if (reason && reason !== "-") words.append(`: ${reason}`);
    item.replaceChildren(...(stamp ? [stamp] : []), words);
    item.className = "redacted";
    delete item.dataset.id;
  },
};
