// The chatroom web client: calls (docs/web.md "Calls", docs/protocol.md
// "Calls"). A room's call is voice and video between its members' pages,
// peer to peer: one RTCPeerConnection per other participant (a mesh), the
// server relaying only the pages' signalling (/call signal USER JSON, which
// arrives as SIGNAL) and telling the room who started, joined and left
// (CALL, CALL_MEMBERS). The newcomer offers to every participant
// CALL_MEMBERS lists; each answers. Behind NAT the media go through the
// operator's TURN server, whose credentials come in TURN just before
// CALL_MEMBERS: one iceServers entry for every connection of the call.
//
// In the room's header, *Start call* (no call on there); while a call is on
// and the page is not in it, a banner says who is in it, with *Join call*;
// in the call, a tile per participant (their video and name; their sound
// played) and the page's own preview, with *Mute*, *Turn camera off*,
// *Share screen* (the browser's picker; the others see the screen in the
// camera's place: the video sender's track is replaced, no renegotiation)
// and *Leave call*. Muting disables the microphone's track (silence is
// sent), turning the camera off disables its track (black is sent, never a
// frozen picture). Closing the tab, or the connection dropping, leaves the
// call: the server sees the connection go.
"use strict";

// Rooms' calls as the page knows them: room key → { call, members }.
const roomCalls = new Map();
// The page's own call: { room, call, stream, camera, screen, peers, ice,
// muted, cameraOff } once it is in one; `pending` while it asked.
let myCall = null;

function callOf(room) { return roomCalls.get(nameKey(room)) || null; }

function inCall(room) {
  return myCall !== null && !myCall.pending && nameKey(myCall.room) === nameKey(room);
}

// -- what the page shows ----------------------------------------------------------

function drawCall() {
  const room = current && !current.private ? current.name : null;
  const call = room ? callOf(room) : null;
  const mine = room !== null && inCall(room);
  $("call-start").hidden = room === null || call !== null || myCall !== null;
  const banner = $("call-banner");
  banner.hidden = !call || mine;
  if (call && !mine) {
    $("call-banner-text").textContent =
      `Call in progress: ${call.members.map(displayName).join(", ")}`;
    $("call-join").disabled = myCall !== null;
  }
  $("call").hidden = !mine;
}

function tileFor(name, own) {
  const tile = document.createElement("figure");
  tile.className = own ? "call-tile own" : "call-tile";
  const video = document.createElement("video");
  video.autoplay = true;
  video.playsInline = true;
  if (own) video.muted = true; // one's own sound is not played back
  tile.append(video, document.createElement("figcaption"));
  nameTile(tile, name, own);
  $("call-tiles").append(tile);
  return tile;
}

function play(video, stream) {
  if (video.srcObject !== stream) video.srcObject = stream;
  const playing = video.play();
  if (playing) {
    playing.catch(() => { // sound refused without a gesture: the picture still
      video.muted = true;
      video.play().catch(() => {});
    });
  }
}

function drawButtons() {
  if (!myCall || myCall.pending) return;
  const mute = $("call-mute");
  mute.textContent = myCall.muted ? "Unmute" : "Mute";
  mute.setAttribute("aria-pressed", String(myCall.muted));
  mute.disabled = !myCall.stream.getAudioTracks().length;
  const camera = $("call-camera");
  camera.textContent = myCall.cameraOff ? "Turn camera on" : "Turn camera off";
  camera.setAttribute("aria-pressed", String(myCall.cameraOff));
  camera.disabled = !myCall.camera;
  const share = $("call-share");
  share.textContent = myCall.screen ? "Stop sharing" : "Share screen";
  share.setAttribute("aria-pressed", String(Boolean(myCall.screen)));
}

// -- the media ------------------------------------------------------------------------

// The microphone and the camera; the microphone alone when there is no
// camera or it is refused.
async function ownMedia() {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (_) {
    return navigator.mediaDevices.getUserMedia({ audio: true });
  }
}

// The track the others see of us: the screen while it is shared, else the
// camera's (null: none).
function shownTrack() {
  if (!myCall) return null;
  return myCall.screen || myCall.camera;
}

// -- the peer connections ---------------------------------------------------------------

function peerOf(user, create) {
  const key = nameKey(user);
  let peer = myCall.peers.get(key);
  if (peer || !create) return peer || null;
  const pc = new RTCPeerConnection({ iceServers: myCall.ice });
  const stream = new MediaStream();
  peer = { user, pc, stream, tile: tileFor(user, false), waiting: [], described: false };
  myCall.peers.set(key, peer);
  pc.onicecandidate = (event) => {
    signal(peer.user, { candidate: event.candidate ? event.candidate.toJSON() : null });
  };
  pc.ontrack = (event) => {
    if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
    play(peer.tile.querySelector("video"), stream);
  };
  pc.onconnectionstatechange = () => {
    peer.tile.dataset.state = pc.connectionState;
  };
  return peer;
}

// Our tracks on `pc`: the microphone's, and a video sender always (the
// camera's, or none yet: a shared screen takes its place later).
function sendOurs(pc, offering) {
  const audio = myCall.stream.getAudioTracks()[0];
  if (audio) pc.addTrack(audio, myCall.stream);
  const video = shownTrack();
  if (video) {
    pc.addTrack(video, myCall.stream);
  } else if (offering) {
    pc.addTransceiver("video", { direction: "sendrecv" });
  } else {
    for (const transceiver of pc.getTransceivers()) {
      if (transceiver.receiver.track.kind === "video") transceiver.direction = "sendrecv";
    }
  }
}

function signal(user, message) {
  send(`/call signal ${user} ${JSON.stringify(message)}`);
}

async function offerTo(user) {
  const peer = peerOf(user, true);
  sendOurs(peer.pc, true);
  await peer.pc.setLocalDescription(await peer.pc.createOffer());
  signal(user, { description: peer.pc.localDescription.toJSON() });
}

async function signalled(from, message) {
  if (!myCall || myCall.pending) return;
  if (message.description) {
    const description = message.description;
    let peer = peerOf(from, false);
    if (description.type === "offer") {
      const fresh = !peer;
      peer = peer || peerOf(from, true);
      await peer.pc.setRemoteDescription(description);
      if (fresh) sendOurs(peer.pc, false);
      await peer.pc.setLocalDescription(await peer.pc.createAnswer());
      signal(from, { description: peer.pc.localDescription.toJSON() });
    } else if (peer) {
      await peer.pc.setRemoteDescription(description);
    }
    if (!peer) return;
    peer.described = true;
    for (const candidate of peer.waiting.splice(0)) await peer.pc.addIceCandidate(candidate);
  } else if ("candidate" in message) {
    const peer = peerOf(from, false);
    if (!peer) return;
    const candidate = message.candidate === null ? null : message.candidate;
    if (!peer.described) peer.waiting.push(candidate);
    else await peer.pc.addIceCandidate(candidate);
  }
}

function dropPeer(user) {
  if (!myCall || myCall.pending) return;
  const peer = myCall.peers.get(nameKey(user));
  if (!peer) return;
  peer.pc.close();
  peer.tile.remove();
  myCall.peers.delete(nameKey(user));
}

// A tile's name: its caption and its label.
function nameTile(tile, name, own) {
  const shown = own ? `${displayName(name)} (you)` : displayName(name);
  tile.querySelector("figcaption").textContent = shown;
  tile.setAttribute("aria-label", shown);
  tile.dataset.user = name;
}

// -- renames: the call goes on ------------------------------------------------------------

// Room `room` is called `name` now (RENAMED): its call, and ours if we are
// in it, go on under the new name.
function callRoomRenamed(room, name) {
  const known = roomCalls.get(nameKey(room));
  if (known) {
    roomCalls.delete(nameKey(room));
    roomCalls.set(nameKey(name), known);
  }
  if (myCall && nameKey(myCall.room) === nameKey(room)) myCall.room = name;
  drawCall();
}

// `old` is called `name` now (NICK): a participant under its new name, our
// connection to it (its signals come from that name) and its tile too.
function callUserRenamed(old, name) {
  for (const known of roomCalls.values()) {
    known.members = known.members.map((m) => (nameKey(m) === nameKey(old) ? name : m));
  }
  if (myCall && myCall.peers) {
    const peer = myCall.peers.get(nameKey(old));
    if (peer) {
      myCall.peers.delete(nameKey(old));
      peer.user = name;
      myCall.peers.set(nameKey(name), peer);
      nameTile(peer.tile, name, false);
    }
    if (myCall.own && isMe(name)) nameTile(myCall.own, name, true);
  }
  drawCall();
}

// -- in and out --------------------------------------------------------------------------

async function enterCall(action) {
  const room = current ? current.name : null;
  if (!room || myCall) return;
  myCall = { pending: true, room };
  drawCall();
  let stream;
  try {
    stream = await ownMedia();
  } catch (error) {
    myCall = null;
    drawCall();
    showError(`no microphone: ${error.message || error}`);
    return;
  }
  myCall = {
    pending: true, room, stream, ice: [], peers: new Map(),
    camera: stream.getVideoTracks()[0] || null, screen: null, muted: false, cameraOff: false,
  };
  if (!send(`/call ${action} ${room}`)) endCall();
}

// CALL_MEMBERS naming us last: we are in; we offer to everyone before us.
function entered(room, call, members) {
  const pending = myCall;
  if (!pending || !pending.pending || nameKey(pending.room) !== nameKey(room)) return;
  if (!members.length || !isMe(members[members.length - 1])) return;
  pending.pending = false;
  pending.room = room;
  pending.call = call;
  $("call-tiles").textContent = "";
  const own = tileFor(state.name, true);
  play(own.querySelector("video"), pending.stream);
  pending.own = own;
  drawButtons();
  for (const user of members.slice(0, -1)) {
    offerTo(user).catch((error) => showError(`call: ${error.message || error}`));
  }
}

// Out of the call, as the page sees it (the server was told, or knows).
function endCall() {
  if (!myCall) return;
  const ending = myCall;
  myCall = null;
  if (ending.peers) for (const peer of ending.peers.values()) peer.pc.close();
  for (const track of [...(ending.stream ? ending.stream.getTracks() : []), ending.screen]) {
    if (track) track.stop();
  }
  $("call-tiles").textContent = "";
  drawCall();
}

function leaveCall() {
  if (myCall && !myCall.pending) send("/call leave");
  endCall();
}

// The connection dropped: the server took us out of the call.
function callLost() {
  endCall();
  roomCalls.clear();
  drawCall();
}

function toggleMute() {
  if (!myCall || myCall.pending) return;
  myCall.muted = !myCall.muted;
  for (const track of myCall.stream.getAudioTracks()) track.enabled = !myCall.muted;
  drawButtons();
}

function toggleCamera() {
  if (!myCall || myCall.pending || !myCall.camera) return;
  myCall.cameraOff = !myCall.cameraOff;
  myCall.camera.enabled = !myCall.cameraOff;
  drawButtons();
}

function videoSenders() {
  const senders = [];
  for (const peer of myCall.peers.values()) {
    for (const transceiver of peer.pc.getTransceivers()) {
      if (transceiver.receiver.track.kind === "video" && !transceiver.stopped) {
        senders.push(transceiver.sender);
      }
    }
  }
  return senders;
}

async function showInstead(track) {
  await Promise.all(videoSenders().map((sender) => sender.replaceTrack(track)));
  if (myCall && myCall.own) {
    play(myCall.own.querySelector("video"), new MediaStream(
      [...myCall.stream.getAudioTracks(), ...(track ? [track] : [])]));
  }
}

async function toggleShare() {
  if (!myCall || myCall.pending) return;
  if (myCall.screen) { stopSharing(); return; }
  let screen;
  try {
    screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
  } catch (error) {
    showError(`no screen shared: ${error.message || error}`);
    return;
  }
  const track = screen.getVideoTracks()[0];
  if (!myCall || !track) { track && track.stop(); return; }
  myCall.screen = track;
  track.onended = () => { if (myCall && myCall.screen === track) stopSharing(); };
  await showInstead(track);
  drawButtons();
}

function stopSharing() {
  if (!myCall || !myCall.screen) return;
  const screen = myCall.screen;
  myCall.screen = null;
  screen.stop();
  showInstead(myCall.camera).then(drawButtons);
  drawButtons();
}

// -- what the server says ----------------------------------------------------------------

const callHandlers = {
  CALL({ room, call, what, user, detail }) {
    const key = nameKey(room);
    if (what === "started") {
      roomCalls.set(key, { call, members: [user] });
    } else if (what === "joined") {
      const known = roomCalls.get(key);
      if (known && known.call === call && !known.members.some((m) => nameKey(m) === nameKey(user))) {
        known.members.push(user);
      } else if (!known) roomCalls.set(key, { call, members: [user] });
    } else if (what === "left") {
      const known = roomCalls.get(key);
      if (known) known.members = known.members.filter((m) => nameKey(m) !== nameKey(user));
      if (inCall(room)) {
        if (isMe(user)) endCall();
        else dropPeer(user);
      }
    } else if (what === "ended") {
      roomCalls.delete(key);
      if (inCall(room)) endCall();
    }
    void detail;
    drawCall();
  },
  CALL_MEMBERS({ room, call }, users) {
    if (call === "-" || !users.length) roomCalls.delete(nameKey(room));
    else roomCalls.set(nameKey(room), { call, members: [...users] });
    if (call !== "-") entered(room, call, users);
    drawCall();
  },
  TURN(_fields, uris) {
    const { username, password } = _fields;
    if (myCall && myCall.pending) {
      myCall.ice = [{ urls: [...uris], username, credential: password }];
    }
  },
  SIGNAL({ room, from }, text) {
    if (!inCall(room)) return;
    let message;
    try { message = JSON.parse(text); } catch (_) { return; }
    signalled(from, message).catch((error) => showError(`call: ${error.message || error}`));
  },
};

// A refusal of our /call start or /call join: not in the call after all.
function callRefused() {
  if (myCall && myCall.pending && myCall.stream) endCall();
}

document.addEventListener("DOMContentLoaded", () => {
  $("call-start").addEventListener("click", () => enterCall("start"));
  $("call-join").addEventListener("click", () => enterCall("join"));
  $("call-leave").addEventListener("click", leaveCall);
  $("call-mute").addEventListener("click", toggleMute);
  $("call-camera").addEventListener("click", toggleCamera);
  $("call-share").addEventListener("click", toggleShare);
  window.addEventListener("pagehide", () => { if (myCall && !myCall.pending) send("/call leave"); });
});
