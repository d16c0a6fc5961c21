// The chatroom web client: reactions (/caps rich, docs/protocol.md
// "Messages with a life"). A message's menu has React, which opens a small
// picker: a handful of common emoji and a field for any other (the server
// takes any 1 to 32 bytes without spaces: ":tea:" too). The reactions a
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
    const names = [...givers.values()].join(", ");
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
}

// Close the picker (`refocus`: back to its message's ⋯ button).
function closePicker(refocus = false) {
  if (!pickingFor) return;
  const button = pickingFor.querySelector(".more");
  pickingFor = null;
  $("react-picker").hidden = true;
  $("react-input").value = "";
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
  $("react-form").addEventListener("submit", (event) => {
    event.preventDefault();
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
