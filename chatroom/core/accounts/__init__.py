"""Accounts and identity: an account's record, passwords and SCRAM keys, its
read markers, settings, profile, pushes, mail, invitations, files, the sign-in tokens of
device sessions and a door's own settings."""
