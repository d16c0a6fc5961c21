// The chatroom web client: profiles (docs/protocol.md "Profiles"). A user's
// display name and avatar show beside their messages and in the member
// list, and the display name wherever else the page names them: a reply's
// quote, the pinned bar, the log's lines about them (*Alice Liddell pinned
// …*), who is typing, a deletion's "by". One name, the same in every
// place: `<Alice Liddell (alice)>` beside a message and in the member
// list, `Alice Liddell` in the page's own words. The page asks for a
// user's profile (/profile NAME) the first time it shows one of their
// messages, or them in the member list of the room shown (up to
// MEMBER_PROFILES of them), in this connection, and hears of later changes
// by itself (PROFILE, to /caps rich connections); every name already on
// the page, in every room's log (shown or not), changes with it. A name
// beside a message or in the member list opens the person's profile card
// (card.js). An avatar is only ever a picture this server keeps (the
// server refuses any other address), and is drawn as an image with no
// referrer. The answers to the page's own questions are drawn, never said;
// a typed /profile's answer is shown in the log, and so is a change of the
// user's own profile that was not asked for (`/profile set`, or the card).
"use strict";

// What is known of each user's profile: name key → { key: value }.
const profiles = new Map();
// The users whose profile this connection asked for (name keys), and how
// many of those questions each has still to answer.
const profilesAsked = new Set();
const profilesComing = new Map();
// The member list of the room shown asks for its members' profiles when
// it has at most this many (a bigger room's names come with their messages).
const MEMBER_PROFILES = 30;

// A new connection knows nothing yet: each profile is asked for again.
function forgetProfiles() {
  profilesAsked.clear();
  profilesComing.clear();
}

// `user`'s profile, asked for once per connection.
function wantProfile(user) {
  const key = nameKey(user);
  if (!user || profilesAsked.has(key)) return;
  profilesAsked.add(key);
  profilesComing.set(key, (profilesComing.get(key) || 0) + 1);
  send(`/profile ${user}`);
}

function profileOf(user) { return profiles.get(nameKey(user)) || {}; }

// The small round picture of `user`'s avatar, or null without one: its
// path on this page's own server, whatever address the server was given it
// by (the server only takes its own uploads' addresses).
function avatarImage(user) {
  const given = profileOf(user).avatar;
  if (!given) return null;
  let url;
  try { url = new URL(new URL(given).pathname, location.href).href; } catch { return null; }
  const image = document.createElement("img");
  image.className = "avatar";
  image.alt = "";
  image.referrerPolicy = "no-referrer";
  image.loading = "lazy";
  image.src = url;
  return image;
}

// How `user` is named beside a message and in the member list: "Display
// Name (name)", or the name.
function shownName(user) {
  const display = profileOf(user)["display-name"];
  return display ? `${display} (${user})` : user;
}

// How the page's own words name `user`: the display name, or the name.
function displayName(user) { return profileOf(user)["display-name"] || user; }

// `user` named in the page's own words: their display name, in a span that
// follows a later change of it (redrawNames).
function nameNode(user) {
  const span = document.createElement("span");
  span.className = "who";
  span.dataset.user = nameKey(user);
  span.textContent = displayName(user);
  return span;
}

// A message line's author as its profile has it: the avatar before the
// name, the display name in it (the line keeps its user in data-user, the
// name's form in its nick's data: view.js's nickWords).
function dressAuthor(item, user) {
  item.dataset.user = nameKey(user);
  const nick = item.querySelector(".nick");
  if (!nick) return;
  nick.textContent = nickWords(user, nick.dataset.form);
  item.querySelector(".avatar")?.remove();
  const image = avatarImage(user);
  if (image) nick.before(image);
}

// A member of the list as its profile has it: a button that opens their card.
function dressMember(item, member) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "plain member";
  button.textContent = shownName(member);
  button.title = shownName(member); // whole, where the list cuts it
  button.addEventListener("click", () => openCard(member));
  const image = avatarImage(member);
  if (image) button.prepend(image);
  item.replaceChildren(button);
}

// The member list of the room shown: their profiles, once each, when it
// is small enough to ask for all.
function wantMemberProfiles(members) {
  if (members.length > MEMBER_PROFILES || !online()) return;
  for (const member of members) wantProfile(member);
}

// `user`'s profile changed: every line and name of theirs on the page
// follows, in every room and conversation (their logs are kept out of the
// page while another is shown), their threads, the pinned bar, the typing
// line, an open card.
function redrawNames(user) {
  const key = CSS.escape(nameKey(user));
  const places = [$("thread-root"), $("compose-what"), $("delete-what")];
  for (const view of [noRoom, ...views.values(), ...conversations.values()]) {
    places.push(view.log, ...[...view.threads.values()].map((thread) => thread.log));
  }
  for (const place of places) {
    if (!place) continue;
    for (const item of place.querySelectorAll(`li[data-user="${key}"]`)) dressAuthor(item, user);
    for (const name of place.querySelectorAll(`.who[data-user="${key}"]`)) {
      name.textContent = displayName(user);
    }
  }
  drawPins();
  drawTyping();
  cardChanged(user);
}

const profileHandlers = {
  PROFILE({ user, key }, value) {
    const profile = { ...profileOf(user) };
    if (value) profile[key] = value;
    else delete profile[key];
    profiles.set(nameKey(user), profile);
    // An answer to the page's own question is drawn only.
    const said = !profilesComing.has(nameKey(user));
    if (said && state.asked.profile) system(`${user}'s ${key}: ${value || "(unset)"}`);
    else if (said && isMe(user)) system(`Your ${key} is ${value ? `now ${value}` : "unset"}.`);
    redrawNames(user);
    const userKey = nameKey(user);
    if (state.page === "room" && shownRoom().members.some((m) => nameKey(m) === userKey)) {
      drawMembers();
    }
  },
  PROFILE_END({ user, count }) {
    const key = nameKey(user);
    const coming = profilesComing.get(key);
    if (coming) {
      if (coming > 1) profilesComing.set(key, coming - 1);
      else profilesComing.delete(key);
      return;
    }
    if (state.asked.profile && count === "0") system(`${user} has no profile.`);
    state.asked.profile = false;
  },
};
