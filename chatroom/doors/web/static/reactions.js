// The chatroom web client: reactions (/caps rich, docs/protocol.md
// "Messages with a life"). A message's menu has React, which opens a small
// picker: a handful of common emoji and a field that searches every emoji
// by name (emoji.js: "tea" or ":tea:" finds 🍵; Up and Down mark one of
// those found, Enter or Add reacts with it), or takes any other reaction
// when nothing is found (the server takes any 1 to 32 bytes without
// spaces: ":scone:" too). The reactions a
// message has are chips under it, each with its count and, in its tooltip
// and for the screen reader, who gave it; the user's own are marked
// (aria-pressed). A click on a chip adds the user's reaction, or takes it
// back when it is theirs. Live REACT/UNREACT and those of a replay (a join,
// /history, a resume) go through the same handlers, in order, so the chips
// always show the reactions as they now stand.
"use strict";

const COMMON_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "🍵"];

// The reactions of a message (from view.messages): emoji → Map of name
// key → name, in the order first given.
function reactionsOf(message) {
  if (!message.reactions) message.reactions = new Map();
  return message.reactions;
}

// The user's click on a chip, or on an emoji of the picker.
function toggleReaction(id, emoji) {
  const message = shownRoom().messages.get(id);
  if (!message || message.gone) return;
  const givers = reactionsOf(message).get(emoji);
  const mine = givers && state.name !== null && givers.has(nameKey(state.name));
  sendOrKeep(`/${mine ? "unreact" : "react"} ${id} ${emoji}`);
}

// The chips under a message: redrawn whole (a message has at most 20).
function drawReactions(id, message) {
  let chips = message.item.querySelector(".reactions");
  const reactions = reactionsOf(message);
  if (!reactions.size) {
    if (chips) chips.remove();
    return;
  }
  if (!chips) {
    chips = document.createElement("div");
    chips.className = "reactions";
    chips.setAttribute("role", "group");
    chips.setAttribute("aria-label", "reactions");
    message.item.append(chips);
  }
  chips.replaceChildren(...[...reactions].map(([emoji, givers]) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    const mine = state.name !== null && givers.has(nameKey(state.name));
    chip.setAttribute("aria-pressed", String(mine));
    const names = [...givers.values()].map(displayName).join(", ");
    chip.title = mine ? `${names} (click to take yours back)` : names;
    chip.setAttribute("aria-label", `${emoji} ${givers.size}: ${names}`);
    const face = document.createElement("span");
    face.className = "emoji";
    face.textContent = emoji;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(givers.size);
    chip.append(face, count);
    chip.addEventListener("click", () => toggleReaction(id, emoji));
    return chip;
  }));
}

const reactionHandlers = {
  // The emoji is the last field (REACT has no free text).
  REACT({ message: id, user, emoji }) {
    const message = target().messages.get(id);
    if (!message || message.gone) return;
    const reactions = reactionsOf(message);
    if (!reactions.has(emoji)) reactions.set(emoji, new Map());
    reactions.get(emoji).set(nameKey(user), user);
    drawReactions(id, message);
  },
  UNREACT({ message: id, user, emoji }) {
    const message = target().messages.get(id);
    if (!message || message.gone) return;
    const reactions = reactionsOf(message);
    const givers = reactions.get(emoji);
    if (!givers) return;
    givers.delete(nameKey(user));
    if (!givers.size) reactions.delete(emoji);
    drawReactions(id, message);
  },
};

// -- the picker ---------------------------------------------------------------------

let pickingFor = null; // the line whose reactions are being picked

// Open the picker where the menu of `item` was (the menu closes).
function openPicker(item) {
  closePicker();
  pickingFor = item;
  const picker = $("react-picker");
  picker.style.top = $("message-menu").style.top;
  picker.hidden = false;
  item.querySelector(".more").setAttribute("aria-expanded", "true");
  $("react-choices").firstElementChild.focus();
  loadEmoji(() => {}); // ready before the first letter is typed
}

// Close the picker (`refocus`: back to its message's ⋯ button).
function closePicker(refocus = false) {
  if (!pickingFor) return;
  const button = pickingFor.querySelector(".more");
  pickingFor = null;
  $("react-picker").hidden = true;
  $("react-input").value = "";
  showFound([]);
  if (button) {
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
}

function pick(emoji) {
  const item = pickingFor;
  closePicker(true);
  if (item && item.dataset.id && emoji) toggleReaction(item.dataset.id, emoji);
}

function startReactions() {
  $("react-choices").replaceChildren(...COMMON_REACTIONS.map((emoji) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = emoji;
    button.setAttribute("aria-label", `react with ${emoji}`);
    button.addEventListener("click", () => pick(emoji));
    return button;
  }));
  $("react-input").addEventListener("input", () => {
    loadEmoji(() => showFound(searchEmoji($("react-input").value)));
  });
  $("react-input").addEventListener("keydown", (event) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (!step || !reactFound.length) return;
    event.preventDefault();
    reactFound.marked = (reactFound.marked + step + reactFound.length) % reactFound.length;
    drawFound();
  });
  $("react-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (reactFound.length) { pick(reactFound[reactFound.marked][1]); return; }
    const emoji = $("react-input").value.trim();
    if (!emoji) return;
    if (/\s/u.test(emoji)) {
      showError("a reaction is one word or emoji, without spaces");
      return;
    }
    pick(emoji);
  });
  $("react-picker").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePicker(true);
  });
  $("react-picker").addEventListener("focusout", (event) => {
    const picker = $("react-picker");
    if (event.relatedTarget && !picker.contains(event.relatedTarget)) closePicker();
  });
}

// What the picker's field found ([name, emoji] each), and the one marked,
// which Enter picks.
let reactFound = Object.assign([], { marked: 0 });

function showFound(results) {
  reactFound = Object.assign(results, { marked: 0 });
  drawFound();
}

// The results under the field, the marked one its aria-activedescendant
// (the field is a combobox: the focus stays in it as the marks move).
function drawFound() {
  const list = $("react-found");
  const input = $("react-input");
  list.replaceChildren(...reactFound.map(([name, character], index) => {
    const option = document.createElement("li");
    option.id = `react-found-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", String(index === reactFound.marked));
    option.title = name;
    option.textContent = `${character} ${name}`;
    option.addEventListener("mousedown", (event) => event.preventDefault());
    option.addEventListener("click", () => pick(character));
    return option;
  }));
  list.hidden = !reactFound.length;
  input.setAttribute("aria-expanded", String(reactFound.length > 0));
  if (reactFound.length) {
    input.setAttribute("aria-activedescendant", `react-found-${reactFound.marked}`);
    list.children[reactFound.marked].scrollIntoView({ block: "nearest" });
  } else input.removeAttribute("aria-activedescendant");
}
