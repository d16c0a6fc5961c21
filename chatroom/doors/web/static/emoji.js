// The chatroom web client: emoji by name, as Slack, Discord and Element
// take them. The data is emojibase's (vendored in static/emojibase/ with
// its licence), which the server serves as /emoji.json: one row per emoji,
// [emoji, label, shortcode, ...]. It is fetched the first time it is
// wanted (a ":te" typed, the reaction picker opened), never on the page's
// first load. Each emoji is known by its GitHub shortcodes (:tea:) and by
// its label written as one (:teacup_without_handle:), the names the
// terminal client knows from Python's emoji package.
//
// In the room's input, a word ":te" offers its emoji in a list over the
// input (input.js's completion: Tab or Enter puts in the one marked, Up
// and Down mark another, Tab again puts in the next, Escape closes it); a
// whole ":tea:" becomes 🍵 as a space is typed after it. The reaction
// picker's field searches the same data (reactions.js).
"use strict";

// How many emoji the input's list offers, and how many the picker shows.
const EMOJI_OFFERED = 8;
const EMOJI_FOUND = 24;
// A word that may be a shortcode being typed: ":" and its letters.
const SHORTCODE_TYPED = /(?:^|\s):([\p{L}\p{N}_+-]{2,})$/u;
const SHORTCODE_WHOLE = /(?:^|\s):([\p{L}\p{N}_+-]+): $/u;

const emojiData = {
  names: null, // shortcode → emoji, once loaded
  labels: new Map(), // emoji → its label (an emoji pasted in the picker finds itself)
  loading: null, // the fetch under way (or done)
  loaded: [], // what to do again once the data is here
};

// Fetch /emoji.json once; then run `then` (and whatever else waited).
function loadEmoji(then) {
  if (emojiData.names) { then(); return; }
  emojiData.loaded.push(then);
  if (emojiData.loading) return;
  emojiData.loading = fetch("emoji.json")
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((rows) => {
      const names = new Map();
      for (const [character, label, ...codes] of rows) {
        emojiData.labels.set(character, label);
        const fromLabel = label.toLowerCase().replace(/[^\p{L}\p{N}+-]+/gu, "_")
          .replace(/^_+|_+$/gu, "");
        for (const code of [...codes, fromLabel]) if (!names.has(code)) names.set(code, character);
      }
      emojiData.names = names;
      const waiting = emojiData.loaded;
      emojiData.loaded = [];
      for (const again of waiting) again();
    })
    .catch(() => { emojiData.loading = null; emojiData.loaded = []; });
}

// The emoji a typed word (without its colons) may mean, best first, each
// once, as [shortcode, emoji]: names that start with it (shortest first,
// so "te" offers tea before teddy_bear), then those with a later part that
// does (bubble_tea after them). As chatroom/client/shortcodes.py ranks.
function emojiMatching(typed, limit) {
  const wanted = typed.toLowerCase();
  if (!emojiData.names || !wanted) return [];
  const starts = [];
  const inside = [];
  for (const name of emojiData.names.keys()) {
    if (name.startsWith(wanted)) starts.push(name);
    else if (name.split("_").slice(1).some((part) => part.startsWith(wanted))) inside.push(name);
  }
  const rank = (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const found = [];
  const seen = new Set();
  for (const name of [...starts.sort(rank), ...inside.sort(rank)]) {
    const character = emojiData.names.get(name);
    if (seen.has(character)) continue;
    seen.add(character);
    found.push([name, character]);
    if (found.length >= limit) break;
  }
  return found;
}

// Whether the end of `text` is inside a code span (an odd number of
// backticks before it): a shortcode there is meant as written.
const inCodeSpan = (text) => (text.match(/`/g) || []).length % 2 === 1;

// The ":word" being typed before the caret of `input`, or null.
function typedShortcode(input) {
  const head = input.value.slice(0, input.selectionStart);
  const found = head.match(SHORTCODE_TYPED);
  if (!found || SECRET_COMMAND.test(input.value) || inCodeSpan(head.slice(0, found.index))) {
    return null;
  }
  return found[1];
}

// -- the room input's list -----------------------------------------------------------

// As the room's input changes: a space after a whole ":tea:" makes it 🍵;
// a ":te" being typed offers its emoji (loading them first if need be).
function emojiTyped(input, event) {
  if (event.inputType === "insertText" && event.data === " ") shortcodeToEmoji(input);
  // A ":" starting a word: fetched now, for Tab after ":t".
  if (event.data === ":") loadEmoji(() => {});
  if (typedShortcode(input) === null) {
    if (completing && completing.labels) endCompletion();
    return;
  }
  loadEmoji(() => {
    if (document.activeElement !== input) return;
    const typed = typedShortcode(input);
    if (typed !== null) offerCompletion(input, emojiMatching(typed, EMOJI_OFFERED));
  });
}

function shortcodeToEmoji(input) {
  if (!emojiData.names || SECRET_COMMAND.test(input.value)) return;
  const caret = input.selectionStart;
  const head = input.value.slice(0, caret);
  const found = head.match(SHORTCODE_WHOLE);
  if (!found) return;
  const start = found.index + found[0].indexOf(":");
  const character = emojiData.names.get(found[1].toLowerCase());
  if (!character || inCodeSpan(head.slice(0, start))) return;
  const before = `${head.slice(0, start)}${character} `;
  input.value = before + input.value.slice(caret);
  input.setSelectionRange(before.length, before.length);
}

// The list over the input: `completing`'s emoji, its marked one selected
// (the input's aria-activedescendant, so a screen reader says it).
function drawCompletions(input) {
  const list = $("completions");
  if (!completing || !completing.labels) {
    list.hidden = true;
    list.replaceChildren();
    input.removeAttribute("aria-activedescendant");
    return;
  }
  list.replaceChildren(...completing.found.map((character, index) => {
    const option = document.createElement("li");
    option.id = `completion-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", String(index === completing.index));
    option.textContent = `${character} ${completing.labels[index]}`;
    option.addEventListener("mousedown", (event) => event.preventDefault());
    option.addEventListener("click", () => {
      completing.index = index;
      acceptCompletion(input);
    });
    return option;
  }));
  list.hidden = false;
  input.setAttribute("aria-activedescendant", `completion-${completing.index}`);
}

// -- the reaction picker's search ------------------------------------------------

// The emoji the picker's field finds, as [what it is called, emoji]: a
// typed emoji itself first, then by name (":tea:" finds 🍵 as "tea" does).
function searchEmoji(typed) {
  const exact = typed.trim();
  const words = exact.replace(/^:+|:+$/gu, "").replace(/\s+/gu, "_");
  const found = emojiMatching(words, EMOJI_FOUND)
    .map(([name, character]) => [`:${name}:`, character]);
  if (!emojiData.labels.has(exact)) return found;
  const others = found.filter(([, character]) => character !== exact);
  return [[emojiData.labels.get(exact), exact], ...others];
}
