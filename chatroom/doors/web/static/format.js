// The chatroom web client: a message's formatted text (docs/web.md,
// "Formatted text"). A message's text is the Markdown its author wrote,
// read by markdown-it (markdown-it.min.js, vendored: VENDORED.md) with the
// grammar the server and the terminal client read it by (WIRE.markdown,
// from chatroom/wire/markdown.py): emphasis, strong, strikethrough, inline
// code, fenced code blocks, links, block quotes and lists.
//
// The page's nodes are made from markdown-it's tokens, one by one, never
// from HTML: words only ever become text nodes, an element is only one of
// FORMATTED_TAGS, and its only attribute is a link's address (one of
// WIRE.markdown.linkSchemes: markdown-it leaves any other, javascript: or
// data:, as the words typed) or a list's first number. Raw HTML is text
// (html: false). A link opens in a new tab without this page (noopener)
// or its address (noreferrer). A bare http(s) address is a link too. A
// line of a paragraph keeps the spaces it starts with (lineIndents: the
// grammar's one rule of a chat's, chatroom/wire/markdown.py's indents).
"use strict";

// The elements a message's Markdown may make.
const FORMATTED_TAGS = new Set([
  "p", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
]);

// Whether `url` may be a link: an address of WIRE.markdown.linkSchemes (its
// scheme as a browser reads it: controls and spaces left out, any case).
function linkAllowed(url) {
  const colon = url.indexOf(":");
  if (colon < 0) return false;
  const scheme = url.slice(0, colon).replace(/[\s\p{C}]/gu, "").toLowerCase();
  return WIRE.markdown.linkSchemes.includes(scheme);
}

const MARKDOWN = (() => {
  const markdown = markdownit({ html: false, linkify: true, breaks: true });
  markdown.disable(WIRE.markdown.rulesOff);
  markdown.linkify.set({ fuzzyLink: false, fuzzyEmail: false }); // http(s):// only
  markdown.validateLink = linkAllowed;
  return markdown;
})();

// `text` (Markdown) appended to `parent` as page nodes. A message of one
// paragraph stays on its line (no <p>); one with blocks (lines, a quote, a
// list, a code block) gets the class "blocks" and shows under its nick.
function appendFormatted(parent, text) {
  const tokens = MARKDOWN.parse(text, {});
  const source = text.split("\n");
  tokens.forEach((token, index) => {
    if (token.type === "inline") token.children = indented(tokens, index, source);
  });
  const inline = tokens.length === 3 && tokens[0].type === "paragraph_open";
  parent.classList.toggle("blocks", !inline && tokens.length > 0);
  appendTokens(parent, inline ? tokens[1].children : tokens);
}

// The spaces each line of the paragraph of inline token tokens[index]
// starts with in `source` (the message's lines): for a paragraph of the
// message itself (not in a quote or a list) whose lines are each one
// line break apart; "" for each line otherwise.
function lineIndents(tokens, index, source) {
  const breaks = tokens[index].children.filter((child) =>
    child.type === "softbreak" || child.type === "hardbreak");
  const none = Array(breaks.length + 1).fill("");
  const opening = index ? tokens[index - 1] : null;
  if (!opening || opening.level !== 0 || !opening.map) return none;
  const [start, end] = opening.map;
  if (end - start !== none.length) return none;
  return source.slice(start, end).map((line) => line.match(/^[ \t]*/u)[0]);
}

// The inline token's children with each line's spaces in front of it.
function indented(tokens, index, source) {
  const spaces = lineIndents(tokens, index, source);
  const lead = (line) => (spaces[line] ? [{ type: "text", nesting: 0, content: spaces[line] }] : []);
  const children = [...lead(0)];
  let line = 0;
  for (const child of tokens[index].children) {
    children.push(child);
    if (child.type === "softbreak" || child.type === "hardbreak") {
      line += 1;
      children.push(...lead(line));
    }
  }
  return children;
}

// A message's words: Markdown, or for an action (`/me`, meant as plain
// text) its words with their links clickable (words.js).
function appendMessageText(parent, text, action = false) {
  if (!action) return appendFormatted(parent, text);
  parent.classList.remove("blocks");
  return appendLinked(parent, text);
}

function appendTokens(parent, tokens) {
  const open = [parent];
  for (const token of tokens) {
    const here = open[open.length - 1];
    if (token.type === "inline") appendTokens(here, token.children);
    else if (token.nesting === 1) {
      const element = FORMATTED_TAGS.has(token.tag) ? formattedElement(token) : null;
      if (element) here.append(element);
      open.push(element || here);
    } else if (token.nesting === -1) open.pop();
    else if (token.type === "code_inline") here.append(textElement("code", token.content));
    else if (token.type === "fence") {
      const block = document.createElement("pre");
      block.tabIndex = 0; // it may scroll: the keyboard reaches it too
      block.append(textElement("code", token.content.replace(/\n$/u, "")));
      here.append(block);
    } else if (token.type === "softbreak" || token.type === "hardbreak") {
      here.append(document.createElement("br"));
    } else here.append(document.createTextNode(token.content));
  }
}

function formattedElement(token) {
  const element = document.createElement(token.tag);
  if (token.tag === "a") {
    element.href = token.attrGet("href");
    element.target = "_blank";
    element.rel = "noopener noreferrer";
  } else if (token.tag === "ol" && token.attrGet("start")) {
    element.start = Number(token.attrGet("start"));
  }
  return element;
}

function textElement(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}
