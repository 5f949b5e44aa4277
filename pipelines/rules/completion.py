"""What completes a report page, as data (applied by pipelines/completion.py)."""

# At most this many of a report page's attachments are fetched and paired with it, in link order
# (a page of 200 annexes is a catalogue, not a report). crawler/settings.py exposes it as
# GONGKAI_MAX_ATTACHMENTS_PER_PAGE; replay of a foreign WARC pairs by links with the same bound.
MAX_ATTACHMENTS_PER_PAGE = 8
