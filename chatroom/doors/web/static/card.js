// The chatroom web client: a person's profile card (docs/protocol.md
// "Profiles"). A name beside a message or in the member list, and the
// user's own name in the header, open it: the avatar, the display name
// and the name, pronouns and status, and **Message**, which opens the
// private conversation with them (private.js) with the cursor in the
// input. The user's own card sets their profile instead: the display
// name, pronouns and status (`/profile set KEY VALUE`, `/profile unset
// KEY` for one emptied) and, signed in to an account on a server that
// takes files, the avatar, by **Upload a picture…**: the picture is
// uploaded as an attachment is (files.js), then made the avatar
// (`/profile set avatar URL`); **Remove the picture** unsets it. The card
// follows a change of the profile while it is open.
"use strict";

const PROFILE_FIELDS = [
  ["display-name", "card-display-name"],
  ["pronouns", "card-pronouns-input"],
  ["status", "card-status-input"],
];

const card = { user: null }; // whose card is open

function openCard(user) {
  if (!user) return;
  card.user = user;
  wantProfile(user);
  const me = isMe(user);
  if (me) {
    for (const [key, field] of PROFILE_FIELDS) $(field).value = profileOf(user)[key] || "";
    $("card-note").textContent = "";
  }
  drawCard();
  const dialog = $("profile-card");
  if (!dialog.open) dialog.showModal();
  $(me ? "card-display-name" : "card-message").focus();
}

function drawCard() {
  const { user } = card;
  if (!user) return;
  const profile = profileOf(user);
  const me = isMe(user);
  $("card-name").textContent = displayName(user);
  $("card-user").textContent = profile["display-name"] ? user : "";
  $("card-user").hidden = !profile["display-name"];
  const avatar = avatarImage(user);
  $("card-avatar").hidden = !avatar;
  if (avatar) $("card-avatar").src = avatar.src;
  for (const key of ["pronouns", "status"]) {
    $(`card-${key}`).textContent = profile[key] || "";
    $(`card-${key}`).hidden = me || !profile[key];
  }
  $("card-message").hidden = me;
  $("card-form").hidden = !me;
  $("card-upload").hidden = !(me && uploads.on && state.account);
  $("card-unset-avatar").hidden = !(me && profile.avatar);
}

// `user`'s profile changed (profiles.js): their open card shows it.
function cardChanged(user) {
  if (!card.user || nameKey(card.user) !== nameKey(user)) return;
  drawCard();
  if (isMe(user) && profileOf(user).avatar && $("card-note").dataset.uploading) {
    delete $("card-note").dataset.uploading;
    $("card-note").textContent = "Your picture is set.";
  }
}

function closeCard() {
  card.user = null;
  $("profile-card").close();
}

// Message: the private conversation with them, ready to type in.
function messageFromCard() {
  const { user } = card;
  closeCard();
  if (!user || isMe(user)) return;
  showConversation(openConversation(user));
  $("message-input").focus();
}

// Save: each key changed is set (or unset, emptied), as typed commands do.
function saveProfile(event) {
  event.preventDefault();
  const profile = profileOf(state.name);
  for (const [key, field] of PROFILE_FIELDS) {
    const value = $(field).value.trim();
    if (value === (profile[key] || "")) continue;
    send(value ? `/profile set ${key} ${value}` : `/profile unset ${key}`);
  }
  closeCard();
}

// A picture uploaded, then made the avatar.
function uploadAvatar() {
  const [file] = $("card-file").files;
  $("card-file").value = "";
  if (!file) return;
  $("card-note").textContent = `Uploading ${file.name || "the picture"}…`;
  $("card-note").dataset.uploading = "yes";
  upload(file, (url) => send(`/profile set avatar ${url}`), (words) => {
    delete $("card-note").dataset.uploading;
    $("card-note").textContent = words;
  });
}

function startCard() {
  $("whoami").addEventListener("click", () => openCard(state.name));
  $("card-message").addEventListener("click", messageFromCard);
  $("card-close").addEventListener("click", closeCard);
  $("profile-card").addEventListener("close", () => { card.user = null; });
  $("card-form").addEventListener("submit", saveProfile);
  $("card-upload").addEventListener("click", () => $("card-file").click());
  $("card-file").addEventListener("change", uploadAvatar);
  $("card-unset-avatar").addEventListener("click", () => send("/profile unset avatar"));
}
