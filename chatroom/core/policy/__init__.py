"""Who may do what, decided once: the rules, moderation's, a setting's
values, a newcomer's wait, an edit's and a reaction's, a deletion's."""
