// The chatroom web client: files (--files, docs/web.md "Files"). A signed-in
// account attaches a file by the Attach button, by dropping it on the room
// or by pasting an image into the input: it is uploaded (POST /upload with a
// bearer token the page asks /token for, XMLHttpRequest for its progress
// bar) and shared as a message carrying its URL, in the room or
// conversation it was attached in. A message naming one of the server's
// files (its file-name, file-type and file-size tags) shows it: an image
// inline, scaled, opening full size on a click; anything else a card with
// its name and size. Either is loaded from this page's own server only.
"use strict";

// Types drawn in place (the server serves only these inline).
const SAFE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
// A file's path in a message's text: /files/ID/NAME.
const FILE_PATH = /\/files\/[A-Za-z0-9_-]{16}\/[^\s<>"']*/u;

// Whether the server takes uploads, the token and when it expires (ms),
// and the uploads waiting for a token.
const uploads = { on: false, token: null, expires: 0, waiting: [] };

// "12 KiB", "3.4 MiB": a size as people read it.
function sizeWords(bytes) {
  const size = Number(bytes);
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

// The file a message names, drawn under its words (null: none of ours).
function attachment(tags, text) {
  const found = FILE_PATH.exec(text);
  if (!found || !tags["file-name"]) return null;
  const url = new URL(found[0].replace(/[.,;:!?)\]}]+$/u, ""), location.href).href;
  const name = tags["file-name"];
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  if ((tags["file-type"] || "").startsWith("audio/")) {
    // A voice message, or any audio file: a player in place, the link
    // beside it (the message's text stays a link too).
    const player = document.createElement("span");
    player.className = "attachment audio";
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = url;
    audio.setAttribute("aria-label", name);
    link.textContent = name;
    player.append(audio, link);
    return player;
  }
  if (SAFE_IMAGES.has(tags["file-type"])) {
    link.className = "attachment image";
    link.title = `${name}: open full size`;
    const image = document.createElement("img");
    image.src = url;
    image.alt = name;
    image.addEventListener("load", () => keepNewest());
    link.append(image);
  } else {
    link.className = "attachment card";
    const title = document.createElement("span");
    title.className = "file-name";
    title.textContent = name;
    const about = document.createElement("span");
    about.className = "file-size";
    about.textContent = `${sizeWords(tags["file-size"])} · ${tags["file-type"]}`;
    link.append(title, about);
  }
  return link;
}

// The Attach button: for a signed-in account, on a server that takes files.
function drawAttach() {
  $("attach-button").hidden = !(uploads.on && state.account);
  drawRecord();
}

// A token for the next upload: the one held, or a new one from /token.
function uploadToken() {
  if (uploads.token && Date.now() < uploads.expires - 60_000) {
    return Promise.resolve(uploads.token);
  }
  return new Promise((resolve) => {
    uploads.waiting.push(resolve);
    if (uploads.waiting.length === 1) send("/token");
  });
}

// TOKEN <token> <seconds>: the uploads waiting for it go.
function tokenArrived(token, seconds) {
  uploads.token = token;
  uploads.expires = Date.now() + Number(seconds) * 1000;
  for (const resolve of uploads.waiting.splice(0)) resolve(token);
}

// `file` uploaded with a progress bar, then handed to `done` (its URL):
// by default shared where it was attached; the profile card makes it the
// avatar (card.js). A refusal is said, and handed to `failed`.
function upload(file, done = null, failed = () => {}) {
  if (!uploads.on || !state.account) return;
  const where = current;
  const uploaded = done || ((url) => share(where, url));
  const entry = document.createElement("li");
  const label = document.createElement("span");
  label.textContent = `${file.name || "file"} `;
  const bar = document.createElement("progress");
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `uploading ${file.name || "file"}`);
  entry.append(label, bar);
  $("uploads").append(entry);
  $("uploads").hidden = false;
  const finished = () => {
    entry.remove();
    $("uploads").hidden = !$("uploads").childElementCount;
  };
  const refused = (why) => {
    const words = `${file.name || "The file"} was not uploaded: ${why}`;
    system(words);
    failed(words);
  };
  uploadToken().then((token) => {
    const request = new XMLHttpRequest();
    request.open("POST", "upload");
    request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.setRequestHeader("Content-Disposition",
      `attachment; filename*=UTF-8''${encodeURIComponent(file.name || "file")}`);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) { bar.max = event.total; bar.value = event.loaded; }
    });
    request.addEventListener("load", () => {
      finished();
      if (request.status !== 201) {
        if (request.status === 401) uploads.token = null;
        refused(request.responseText.trim());
        return;
      }
      uploaded(new URL(request.getResponseHeader("Location"), location.href).href);
    });
    request.addEventListener("error", () => {
      finished();
      refused("the connection was lost");
    });
    request.send(file);
  });
}

// The uploaded file's URL said where the user attached it.
function share(view, url) {
  if (!view) return;
  sendOrKeep(view.private ? `/msg ${view.name} ${url}` : `/say ${view.name} ${url}`);
}

function startFiles() {
  fetch("upload", { method: "HEAD" }).then((answer) => {
    uploads.on = answer.ok;
    drawAttach();
  }, () => {});
  $("attach-button").addEventListener("click", () => $("attach-input").click());
  $("attach-input").addEventListener("change", () => {
    for (const file of $("attach-input").files) upload(file);
    $("attach-input").value = "";
  });
  const room = $("room-page");
  room.addEventListener("dragover", (event) => {
    if (!uploads.on || !event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    room.classList.add("dropping");
  });
  room.addEventListener("dragleave", () => room.classList.remove("dropping"));
  room.addEventListener("drop", (event) => {
    room.classList.remove("dropping");
    if (!uploads.on || !event.dataTransfer.files.length) return;
    event.preventDefault();
    for (const file of event.dataTransfer.files) upload(file);
  });
  $("message-input").addEventListener("paste", (event) => {
    const images = [...event.clipboardData.files].filter((file) => file.type.startsWith("image/"));
    if (!uploads.on || !state.account || !images.length) return;
    event.preventDefault();
    for (const image of images) upload(image);
  });
}
