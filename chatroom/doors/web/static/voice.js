// The chatroom web client: voice messages (--files, docs/web.md "Files").
// Beside Attach, *Record voice message* records from the microphone
// (MediaRecorder: audio/webm, audio/ogg or audio/mp4, whatever the browser
// makes); while it records the button reads *Send voice message*, the
// seconds recorded are shown, and *Cancel* discards. Sending stops the
// recording and uploads the clip as any attached file (files.js: POST
// /upload with the page's token), shared where it was recorded (/say ROOM
// URL). Every page plays an audio file's message inline (files.js).
"use strict";

// The recording under way: { recorder, stream, chunks, started, timer,
// where, keep }; null when none.
let recording = null;

// The button shows where Attach does: an account, on a server taking files.
function drawRecord() {
  const offered = uploads.on && Boolean(state.account) && "MediaRecorder" in window;
  $("record-button").hidden = !offered && !recording;
  $("record-button").textContent = recording ? "Send voice message" : "Record voice message";
  $("record-cancel").hidden = !recording;
  $("record-time").hidden = !recording;
}

// The clip's type without its parameters (audio/webm;codecs=opus → audio/webm),
// and a file name with its extension.
function clipFile(blob) {
  const type = (blob.type || "audio/webm").split(";")[0];
  const extension = { "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/wav": "wav" }[type] || "webm";
  const when = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new File([blob], `voice-message-${when}.${extension}`, { type });
}

async function startRecording() {
  if (recording) return;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    showError(`no microphone: ${error.message || error}`);
    return;
  }
  const recorder = new MediaRecorder(stream);
  const chunks = [];
  recorder.addEventListener("dataavailable", (event) => {
    if (event.data.size) chunks.push(event.data);
  });
  recording = { recorder, stream, chunks, started: Date.now(), where: current, keep: false };
  const ticking = recording;
  const tick = () => {
    $("record-time").textContent = `${Math.floor((Date.now() - ticking.started) / 1000)} s`;
  };
  tick();
  recording.timer = setInterval(tick, 250);
  recorder.addEventListener("stop", () => {
    stream.getTracks().forEach((track) => track.stop());
    if (!ticking.keep || !chunks.length) return;
    const file = clipFile(new Blob(chunks, { type: recorder.mimeType }));
    upload(file, (url) => share(ticking.where, url));
  });
  recorder.start(250);
  drawRecord();
}

function stopRecording(keep) {
  if (!recording) return;
  const ending = recording;
  recording = null;
  clearInterval(ending.timer);
  ending.keep = keep;
  if (ending.recorder.state !== "inactive") ending.recorder.stop();
  drawRecord();
}

document.addEventListener("DOMContentLoaded", () => {
  $("record-button").addEventListener("click", () => {
    if (recording) stopRecording(true);
    else startRecording();
  });
  $("record-cancel").addEventListener("click", () => stopRecording(false));
});
