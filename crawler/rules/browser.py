"""When a page's static HTML shows that only a browser will show what we need (applied by crawler/browser.py).

A browser render costs far more than a plain fetch (a crawl of generated browser-only portals takes
3× the CPU and 3× the family memory of the same crawl without the browser: benchmarks/browser.py),
so the browser is the last resort: a page is rendered only when one of these signs is present AND no direct endpoint
(pipelines/rules/endpoints.py) can be asked instead. Per-site overrides: setting GONGKAI_BROWSER_HOSTS.
"""

from __future__ import annotations

# A list container filled by script: an element whose id/class names a list, with no link inside,
# on a page whose inline scripts fetch data. Matched against the id and class attributes.
LIST_CONTAINER_NAMES = r"(?:^|[\s_\-])(?:list|lists|news|newslist|article|articles|items|lb|xxgk|gklist|wz|content-list|data|app)(?:$|[\s_\-\d])"
# Inline-script signs that data is loaded after the page (XHR, fetch, JSON rendering libraries).
DATA_LOADING_SCRIPTS = [
    r"\bfetch\(", r"XMLHttpRequest", r"\$\.(?:ajax|get|post|getJSON)\(", r"\baxios\.", r"\.load\(\s*['\"]",
    r"new\s+Vue\(", r"createApp\(", r"ReactDOM\.",
]
# An empty container: fewer links and characters of visible text than this.
EMPTY_CONTAINER_MAX_TEXT = 20

# Single-page-app shell: a body with almost no text and a mount point (<div id="app"></div>).
SPA_MOUNT_IDS = ["app", "root", "main-app", "vue-app"]
SPA_MAX_BODY_TEXT = 200

# Counter labels (浏览次数 / 点击 / 阅读 next to a script): pipelines/rules/vocabulary.py, applied by
# pipelines.metadata.published.counter_scripts, which the rendered-DOM reader uses too.

# Redirect stub with no target we can parse: a tiny page, no links, no text, and a script.
STUB_MAX_BYTES = 4096
STUB_MAX_TEXT = 40

# Per-site override values of GONGKAI_BROWSER_HOSTS ({"host": "always" | "never"}).
OVERRIDE_ALWAYS = "always"
OVERRIDE_NEVER = "never"

# --- what passes between chromium and Scrapy (crawler/browser_handler.py) -------------------------
# Headers of chromium's requests that Scrapy sets itself (transport, user agent, the encodings its
# decompression handles) or that must never reach a page load (conditional headers: a 304 to
# chromium would be an empty render).
DROPPED_REQUEST_HEADERS = frozenset({
    "host", "connection", "proxy-connection", "keep-alive", "content-length", "transfer-encoding",
    "accept-encoding", "user-agent", "if-none-match", "if-modified-since", "if-match",
    "if-unmodified-since", "if-range",
})
# Headers of Scrapy's (decoded) response that no longer describe the body chromium is given.
DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                                      "keep-alive"})
# Chromium is given no network of its own: its proxy is a port that refuses (set by the handler)
# and its resolver knows no name, so a background service has nowhere to go.
NO_NETWORK_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-bypass-list=<-loopback>"]
# Every rendering context: service workers would fetch outside the page's routing.
CONTEXT_OPTIONS = {"service_workers": "block"}
# GONGKAI_BROWSER_SINGLE_PROCESS: chromium renders in its browser process (Debian's headless shell
# supports it for persistent contexts only; a second browser context crashes it).
SINGLE_PROCESS_ARGS = ["--single-process"]

# --- when a rendered page is quiet (crawler/browser.py: settle) -----------------------------------
# A setTimeout of at most this many ms is waited for (its callback may start a counter's request);
# a longer one (a carousel, a reminder) is not.
SETTLE_TIMER_MAX_MS = 1000
# A timer armed from a timer callback this many levels deep is a loop (animation, poll): not waited for.
SETTLE_TIMER_MAX_DEPTH = 3
# How often (ms, at most) the page's activity is read while it settles.
SETTLE_POLL_MS = 25

# --- pager clicks on a rendered list (crawler/browser.py: render_states) --------------------------
# A control whose whole text (or title / aria-label) is one of these moves a list to its next page.
NEXT_PAGE_TEXTS = ["下一页", "下页", "下一頁", "后一页", "後一頁", "下一页>", "下一页 >", "next", "next page", "next >",
                   ">", "›", "〉"]
# A control is not clickable when its class or attributes say so.
DISABLED_MARKERS = ["disabled", "disable", "no-more", "nomore", "unable"]
# After a click, how long to wait for the list to change (ms) before taking it as the last page.
PAGER_CHANGE_TIMEOUT_MS = 4000

# --- the family's memory bound (crawler/browser_handler.py, pipelines/memory.py) -----------------
# While a LibreOffice conversion holds the family's wanted-marker, a render waits this long at most
# (the conversion's own limit is GONGKAI_EXTRACT_TIMEOUT_PER_ATTACHMENT / 2), looking this often.
MEMORY_WANTED_MAX_WAIT_SECONDS = 60.0
MEMORY_WANTED_POLL_SECONDS = 0.25
