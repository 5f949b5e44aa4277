"""URL canonicalization rules: parameters that identify a session, not a page."""

# Path parameters (;jsessionid=…) and query parameters, compared case-insensitively.
SESSION_PARAMS = [
    "jsessionid", "phpsessid", "aspsessionid", "sessionid", "session_id", "sid", "cfid", "cftoken",
    "_t", "timestamp", "_", "r", "rnd", "random",
]
