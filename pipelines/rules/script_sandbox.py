"""The script sandbox's bounds and what it runs, as data (applied by pipelines/script_sandbox.py).

A report page whose view counter is written by a script no static reading resolves (its URL built
with String.fromCharCode, atob, eval, concatenation…) has its own scripts run in V8 with a stub DOM
before the browser is considered. These bounds hold for every page, live and in replay alike.
"""

from __future__ import annotations

# Per evaluation of a page (one V8 isolate, thrown away after): wall-clock seconds for one script
# (or one task), for the whole page, and the isolate's heap. A script that loops or allocates
# without end is stopped by these and the page goes on to the browser, with one warning. A counter
# script takes about a millisecond: the margin is wide because these are wall-clock bounds, and a
# loaded machine (a crawl, or its replay on another box) must not stop a script the other did not.
# An evaluation stopped by time is run once more before it counts as stopped, for the same reason.
EVAL_TIMEOUT_S = 1.0
PAGE_BUDGET_S = 2.0
TIME_RETRIES = 1
HEAP_LIMIT_BYTES = 64 * 1024 * 1024

# Rounds of requests: the scripts run, the requests they made are fetched, they run again with the
# answers; a page still asking after this many rounds is given up (to the browser).
MAX_ROUNDS = 3
MAX_REQUESTS_PER_ROUND = 8
# Timers and callbacks run after the page's scripts (setTimeout, XHR onload, fetch().then…).
MAX_TASKS = 200
# A timer due later than this (virtual ms) is a poll or a carousel, not the counter: not run.
MAX_TIMER_DELAY_MS = 10_000
# Scripts per page, size of one script or answer (larger: not a counter's), text kept per write.
MAX_SCRIPTS = 64
MAX_SCRIPT_CHARS = 512 * 1024
MAX_ANSWER_BYTES = 512 * 1024
MAX_WRITE_CHARS = 4096

# External scripts never fetched: libraries whose API the stub provides itself ($, jQuery) or that
# only draw chrome (carousels, charts, analytics). Matched against the script URL's path, lowercased.
LIBRARY_SCRIPT = (r"(?:^|/)(?:jquery|zepto|bootstrap|layui|layer|vue|react|angular|echarts|swiper|lodash|axios"
                  r"|require|sea|html5shiv|respond|modernizr|json2|es5-shim|polyfill|hm|analytics|gtag|stat|z_stat"
                  r"|cnzz|baidu)[\w.\-]*\.js$")
# Evaluation errors that say a name the page's external scripts define is missing: the page's
# external scripts (in scope, not libraries) are then fetched and the page run again.
MISSING_NAME_ERRORS = (r"ReferenceError: [\w$]+ is not defined", r"TypeError: .{1,120} is not a function")
# A request URL built from what the stub could not supply (a DOM value it does not have) is not made:
# its answer would be for the wrong page.
UNKNOWN_VALUE_IN_URL = r"undefined|\[object |NaN(?:&|$)|=null(?:&|$)"
