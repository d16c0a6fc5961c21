// The chatroom web client: "Notify me on this device" (Web Push). Pressed
// while signed in to an account, it asks the browser's permission, subscribes
// through the service worker's PushManager with the server's VAPID key
// (asked for with /push key) and hands the subscription to the server with
// /push add: mentions and private messages then reach this device while no
// tab is open (sw.js shows them). A tapped notification opens its place:
// in an open tab by the worker's message, in a new one by the address's
// #room or #@user, once the page has joined it.
"use strict";

const push = {
  key: null, // the server's VAPID public key (base64url), once asked
  wanted: false, // the button was pressed: subscribe once the key comes
  worker: null, // the service worker's registration
  opening: decodeURIComponent(location.hash.slice(1)), // a tapped notification's place
  subscribed: null, // the endpoint handed to the server (page's own use, tests)
};

function fromBase64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function drawPushButton() {
  $("push-button").hidden = !push.worker || !("PushManager" in window) || !state.account;
}

async function subscribePush() {
  push.wanted = false;
  try {
    const subscription = await push.worker.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: fromBase64url(push.key),
    });
    const { endpoint, keys } = subscription.toJSON();
    if (send(`/push add ${endpoint} ${keys.p256dh} ${keys.auth}`)) push.subscribed = endpoint;
  } catch (error) {
    showError(`notifications cannot be turned on here: ${error.message}`);
  }
}

async function wantPush() {
  const allowed = await Notification.requestPermission();
  if (allowed !== "granted") {
    showError("notifications are blocked for this site: allow them in the browser's settings");
    return;
  }
  if (push.key) subscribePush();
  else {
    push.wanted = true;
    send("/push key");
  }
}

// PUSH KEY <key>, PUSH ADDED, PUSH REMOVED (events.js hands them here).
function pushAnswer(what, key) {
  if (what === "KEY") {
    push.key = key;
    if (push.wanted) subscribePush();
  } else if (what === "ADDED") {
    system("this device will be notified of mentions and private messages while you are away");
  } else if (what === "REMOVED") {
    system("this device will no longer be notified");
  }
}

// A place the page is now in: if a tapped notification named it, show it.
function arrivedIn(place) {
  if (!push.opening || push.opening !== place) return;
  push.opening = "";
  goToResult(place, null);
}

function startPush() {
  $("push-button").addEventListener("click", wantPush);
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").then((registration) => {
    push.worker = registration;
    drawPushButton();
  }, () => {}); // no worker (an insecure origin): no button
  navigator.serviceWorker.addEventListener("message", (event) => {
    const place = event.data && event.data.open;
    if (place) goToResult(place, null);
  });
}
