// The chatroom web client's service worker: it shows what the server pushes
// (Web Push, docs/web.md) while no tab of the page is open, and opens the
// room (or the private conversation) when the notification is tapped.
// A push's payload is the server's JSON: {from, text, room, count}; room is
// null for a private message.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// "general" for a room, "@bob" for bob's private messages: the page's name
// for the place (as its search results name them).
function placeOf(said) { return said.room === null ? `@${said.from}` : said.room; }

self.addEventListener("push", (event) => {
  let said;
  try {
    said = event.data.json();
  } catch {
    said = { from: "someone", text: event.data ? event.data.text() : "", room: null, count: 1 };
  }
  const place = placeOf(said);
  const title = said.room === null ? `${said.from} (private message)` : `${said.from} in ${said.room}`;
  const more = said.count > 1 ? ` (and ${said.count - 1} more)` : "";
  event.waitUntil(self.registration.showNotification(title, {
    body: `${said.text}${more}`,
    tag: place, // one notification per place: a newer one replaces it
    icon: "icon-192.png",
    data: { place },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const place = event.notification.data.place;
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of open) {
      await client.focus();
      client.postMessage({ open: place });
      return;
    }
    await self.clients.openWindow(`./#${encodeURIComponent(place)}`);
  })());
});
