"""The change vocabulary, by subject: what a back-end applies, and the
premises it rests on (:mod:`.base`), then one module per subject's
concern, each declaring its subjects' operations and premises."""
