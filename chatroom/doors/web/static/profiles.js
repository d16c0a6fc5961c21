// The chatroom web client: profiles (docs/protocol.md "Profiles"). A user's
// display name and avatar show beside their messages and in the member
// list. The page asks for a user's profile (/profile NAME) the first time
// it shows them, in this connection, and hears of later changes by itself
// (PROFILE, to /caps rich connections); the lines and the list already on
// the page change with it. An avatar is only ever a picture this server
// keeps (the server refuses any other address), and is drawn as an image
// with no referrer. The answers to the page's own questions are drawn, never
// said; a typed /profile's answer is shown in the log, and so is a change
// of the user's own profile that was not asked for (`/profile set`).
"use strict";

// What is known of each user's profile: name key → { key: value }.
const profiles = new Map();
// The users whose profile this connection asked for (name keys), and how
// many of those questions each has still to answer.
const profilesAsked = new Set();
const profilesComing = new Map();

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

// How `user` is named beside a message: "Display Name (name)", or the name.
function shownName(user) {
  const display = profileOf(user)["display-name"];
  return display ? `${display} (${user})` : user;
}

// A message line's author as its profile has it: the avatar before the
// name, the display name in it (the line keeps its user in data-user).
function dressAuthor(item, user) {
  item.dataset.user = nameKey(user);
  const nick = item.querySelector(".nick");
  if (!nick) return;
  const action = nick.textContent.startsWith("* ");
  nick.textContent = action ? `* ${shownName(user)}` : `<${shownName(user)}>`;
  item.querySelector(".avatar")?.remove();
  const image = avatarImage(user);
  if (image) nick.before(image);
}

// A member of the list as its profile has it.
function dressMember(item, member) {
  const display = profileOf(member)["display-name"];
  item.textContent = display ? `${display} (${member})` : member;
  const image = avatarImage(member);
  if (image) item.prepend(image);
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
    const userKey = nameKey(user);
    for (const item of document.querySelectorAll("li[data-user]")) {
      if (item.dataset.user === userKey) dressAuthor(item, user);
    }
    if (state.page === "room" && state.members.some((m) => nameKey(m) === userKey)) {
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
