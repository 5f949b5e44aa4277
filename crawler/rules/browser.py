"""When a page's static HTML shows that only a browser will show what we need (applied by crawler/browser.py).

A browser render costs hundreds of times a plain fetch (~0.9 s wall, ~1.2 s CPU against ~2 ms on the
fixture web; benchmarks/browser.py), so the browser is the last
resort: a page is rendered only when one of these signs is present AND no direct endpoint
(crawler/rules/endpoints.py) can be asked instead. Per-site overrides: setting GONGKAI_BROWSER_HOSTS.
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

# Counter labels: a meta line that says 浏览次数 / 点击 / 阅读 next to a script or an empty element.
COUNTER_LABELS = r"(?:浏览次数|浏览量|浏览|点击数|点击量|点击|阅读次数|阅读量|访问量|访问次数)\s*[:：]?\s*$"

# Redirect stub with no target we can parse: a tiny page, no links, no text, and a script.
STUB_MAX_BYTES = 4096
STUB_MAX_TEXT = 40

# Per-site override values of GONGKAI_BROWSER_HOSTS ({"host": "always" | "never"}).
OVERRIDE_ALWAYS = "always"
OVERRIDE_NEVER = "never"
