// The chatroom web client: a password typed with a command is never seen.
// In the room's input and the lobby's field, once a command that carries
// passwords has the words before them typed (`/login NAME `, `/register `,
// `/password `, `/delete-account `…: WIRE.secretWords, from the server's
// command table), what follows goes into a password field of its own, the
// command in clear before it: the password shows as dots as it is typed
// (or pasted with the command). Enter sends the whole line; Backspace in
// the empty field goes back to the command; Escape drops the line. Such a
// line is never kept in the input history, never queued while offline and
// never shown in the log (input.js, app.js).
"use strict";

// Command name → how many words (the command's own included) come before
// its passwords.
const SECRET_WORDS = new Map(Object.entries(WIRE.secretWords));

// "/login bob hunter2" → { command: "/login bob", secret: "hunter2" }, once
// the words before the password are typed, each with its space; null for
// any other line.
function secretParts(value) {
  const first = /^\s*\/(\S+)\s/u.exec(value);
  const before = first && SECRET_WORDS.get(first[1].toLowerCase());
  if (!before || value.includes("\n")) return null;
  const found = new RegExp(`^\\s*(\\S+(?:\\s+\\S+){${before - 1}})\\s(.*)$`, "su").exec(value);
  return found ? { command: found[1], secret: found[2] } : null;
}

const secretBox = (input) => input.form.querySelector(".secret");
const secretField = (input) => secretBox(input).querySelector("input");
const hidingSecret = (input) => !secretBox(input).hidden;

// The line as typed in `input`: with its hidden password, if it has one.
function typedLine(input) {
  return hidingSecret(input) ? `${input.value} ${secretField(input).value}` : input.value;
}

// The line sent (or answered by the page): the field is empty again.
function clearTyped(input) {
  if (hidingSecret(input)) showCommand(input);
  input.value = "";
}

// The password goes into its own field; the command stays in clear before it.
function hideSecret(input, { command, secret }) {
  const box = secretBox(input);
  const field = secretField(input);
  box.querySelector(".secret-command").textContent = command;
  field.value = secret;
  input.value = command;
  input.hidden = true;
  box.hidden = false;
  field.focus();
  field.setSelectionRange(secret.length, secret.length);
}

// Back to the command in the field it was typed in (the space after it
// taken back, as a Backspace would).
function showCommand(input) {
  const box = secretBox(input);
  secretField(input).value = "";
  box.hidden = true;
  input.hidden = false;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

function watchSecrets(input) {
  input.addEventListener("input", () => {
    const parts = secretParts(input.value);
    if (parts) hideSecret(input, parts);
  });
  const field = secretField(input);
  field.addEventListener("keydown", (event) => {
    if (event.key === "Backspace" && !field.value) {
      event.preventDefault();
      showCommand(input);
    } else if (event.key === "Escape") {
      event.preventDefault();
      clearTyped(input);
    }
  });
}

function startSecrets() {
  watchSecrets($("message-input"));
  watchSecrets($("create-input"));
}
