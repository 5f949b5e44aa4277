"""WARC writing, reading, indexing and replay: small single-purpose modules, CLI kept thin."""
