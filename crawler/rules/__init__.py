"""Discovery rules kept as data: link texts, URL patterns, pagination forms, session parameters."""
