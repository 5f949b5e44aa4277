"""Every default of a gongkai crawl, in one place.

`gongkai crawl` and `scrapy crawl reports` both read this module; command-line options override
single names (see crawler/cli.py). Names prefixed GONGKAI_ are ours; the rest are Scrapy's.
A default that is also a rule of extraction (so replay, which reads no settings, applies it too)
is defined once in pipelines/rules/ and named here.
"""

import os

from pipelines.rules import attachments as _attachment_rules
from pipelines.rules import completion as _completion_rules

BOT_NAME = "gongkai"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "gongkai/0.1 (+research crawler for government information-disclosure annual reports)"
ROBOTSTXT_OBEY = True

# Politeness: government portals are small servers. AutoThrottle adapts to their latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many asyncio tasks for every response's output (Scraper.handle_spider_output_async);
# ours is one page and a few dozen requests, so 100 (the default) is ~90 idle tasks per response:
# measured 7% of the crawl process's CPU on the generated web.
CONCURRENT_ITEMS = 8
# Scrapy reads the source of every callback (inspect.getsource + ast.parse) for every response to
# warn about a generator that returns a value; a bound method is never cached, so it is done again
# each time: 1.3% of the crawl process's samples (py-spy, 20 generated portals). Our callbacks are
# tested; the warning is for spiders under development.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 0
# Requests leave the scheduler per download slot, least busy slot first, and never for a slot that
# already holds its concurrency (crawler/scheduler_queue.py): renders waiting for the one browser
# page no longer hold the downloader's places while static requests wait.
SCHEDULER_PRIORITY_QUEUE = "crawler.scheduler_queue.SlotAwarePriorityQueue"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 20.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Failures: a few retries with exponential backoff (crawler/middlewares/retry_backoff.py).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
GONGKAI_RETRY_BACKOFF_BASE = 1.0  # seconds; attempt n waits base * 2**(n-1), capped below
GONGKAI_RETRY_BACKOFF_MAX = 30.0
DOWNLOAD_TIMEOUT = 60
# A page above this size is cancelled, logged and counted (no report page is 16 MB of HTML; a
# 30 MB "page" is a dump or a trap). Attachments get their own, larger bound: the size the
# attachment reader accepts (pipelines/rules/attachments.py), so a file fetched is a file read.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
GONGKAI_ATTACHMENT_MAXSIZE = _attachment_rules.DEFAULT_MAX_BYTES
REDIRECT_MAX_TIMES = 10

# Error pages are archived and counted, not parsed for links (HttpErrorMiddleware drops them before
# the spider); the WARC capture sits below it in the downloader and sees them all.
HTTPERROR_ALLOW_ALL = False

# The focused crawl never goes deep; the trap guard bounds what depth alone cannot.
DEPTH_LIMIT = 12
DEPTH_PRIORITY = 0

COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control is an HTTP server on localhost that runs the Python code it is sent
# (token in a job file under the user's profile): nothing a crawler of public pages should open,
# and its aiohttp import is ~0.5 s of CPU at every crawl's start.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # Replaces Scrapy's retry (550) to add backoff between attempts.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry_backoff.BackoffRetryMiddleware": 550,
    # Scrapy's decompression, without text-decoding the compressed body first (3% of the crawl's CPU).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.decompression.DecompressionMiddleware": 590,
    # Replaces Scrapy's robots.txt (100): an unreachable robots.txt is RFC 9309's "complete
    # disallow" (or the job's archived copy), not "allow all"; every waiter gets the same parser.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots_txt.RfcRobotsTxtMiddleware": 100,
    # Above 590 (decompression) and 600 (redirects) and after every request-side header change:
    # the WARC gets the bytes exactly as received, redirects and errors included.
    "crawler.middlewares.warc_capture.WarcCaptureMiddleware": 950,
}

SPIDER_MIDDLEWARES = {
    # Bounds endless pagination / calendars per URL shape.
    "crawler.middlewares.trap_guard.TrapGuardMiddleware": 850,
}

ITEM_PIPELINES = {
    "crawler.item_pipelines.extraction.ExtractionPipeline": 300,
    "crawler.item_pipelines.export.JsonLinesExportPipeline": 800,
}

EXTENSIONS = {
    "crawler.extensions.crawl_summary.CrawlSummary": 500,
    # DIR/failures/<crawl-id>.jsonl: every failed request with its reason (robots, http_4xx, timeout, …).
    "crawler.extensions.failures.FailureLog": 510,
    # The live progress line on a terminal (GONGKAI_PROGRESS).
    "crawler.extensions.progress.Progress": 520,
}

# --- gongkai -----------------------------------------------------------------------------------
# Output directory of a crawl job: DIR/warc/, DIR/reports.jsonl. `gongkai crawl --out` sets it.
GONGKAI_OUT_DIR = "out/crawl"
# WARC files rotate when they pass this size (compressed bytes).
GONGKAI_WARC_MAX_SIZE = 256 * 1024 * 1024
GONGKAI_WARC_PREFIX = "gongkai"
# Trap guard: at most this many requests per URL shape (digits folded), and stop following
# pagination after this many consecutive list pages that brought nothing new.
GONGKAI_TRAP_MAX_PER_SHAPE = 60
GONGKAI_TRAP_MAX_EMPTY_PAGES = 3
# Attachments (PDF/DOC/…) linked from report pages are fetched and archived, at most this many per
# page in link order (pipelines/completion.py; replay of a foreign WARC applies the same bound).
GONGKAI_FETCH_ATTACHMENTS = True
GONGKAI_MAX_ATTACHMENTS_PER_PAGE = _completion_rules.MAX_ATTACHMENTS_PER_PAGE
# How many section pages deep (政府信息公开 → 法定主动公开内容 → …) the spider looks for the column.
GONGKAI_MAX_SECTION_HOPS = 3
# Never more list pages than this from one script page count (createPageHTML(8, …)) or one list
# endpoint (JSON/Hanweb paging): a typo or a trap can claim 99999 pages.
GONGKAI_MAX_SCRIPT_PAGES = 200
GONGKAI_MAX_LIST_API_PAGES = 200
# What a user sees (docs/output.md): the live progress line ("auto": only when stderr is a terminal;
# True / False force it), and DIR/report.html written at the end of every crawl.
GONGKAI_PROGRESS = "auto"
GONGKAI_REPORT_HTML = True
# Extraction runs in this many worker processes (crawler/extract_pool.py) so fetching never waits
# for parsing; None = one per core but the reactor's (at least 1), 0 = in the crawl process. A page that takes longer than the
# timeout (seconds) has its worker killed and replaced, and is tried once more.
GONGKAI_EXTRACT_WORKERS = None
GONGKAI_EXTRACT_TIMEOUT = 120.0
GONGKAI_EXTRACT_TIMEOUT_PER_ATTACHMENT = 90.0  # added to the page's limit for each file it carries
# The default pool size (GONGKAI_EXTRACT_WORKERS = None) never exceeds these: each worker is ~100 MB
# and converts its pages' attachments itself; with the browser (chromium + driver ~400 MB) one.
GONGKAI_EXTRACT_MAX_WORKERS = 3
GONGKAI_EXTRACT_MAX_WORKERS_WITH_BROWSER = 1
# A worker is replaced by a fresh process after this many pages (0 = never): its heap stays small.
GONGKAI_EXTRACT_RECYCLE_PAGES = 200
# A worker past this many MB resident after a page is replaced too (0 = never). A fresh
# worker is ~45 MB; one PDF brings pdfminer + PyMuPDF (~60 MB) that HTML pages never use again.
GONGKAI_EXTRACT_RECYCLE_RSS_MB = 90
# A worker with no page for this many seconds exits, the next page starts one (0 = never):
# while the crawl waits on renders (chromium and its driver up: the family's peak) it holds nothing.
GONGKAI_EXTRACT_IDLE_SECONDS = 5.0
# Workers run this much nicer (os.setpriority) than the crawl process: fetching is latency-bound and
# waits on the reactor, extraction is batch work that may lag (Scrapy's SCRAPER_SLOT_MAX_ACTIVE_SIZE
# bounds the pages waiting for it). Only matters when the cores are short (0: same priority).
GONGKAI_EXTRACT_NICE = 10
# The script sandbox (V8, pipelines/script_sandbox.py) runs report pages' counter scripts in this many
# processes of their own (crawler/sandbox.py; 0 = in the crawl process): V8 is ~40 MB resident once
# an isolate has run, and the crawl process shares the family's memory bound with chromium. One exits
# after IDLE_SECONDS without a page (the next starts it again, ~0.3 s); an evaluation taking longer
# than TIMEOUT seconds (the scripts' own bounds are 2 s a page: pipelines/rules/script_sandbox.py)
# has its process replaced and is tried once more, then the page's count is left to the browser.
GONGKAI_SANDBOX_WORKERS = 1
GONGKAI_SANDBOX_IDLE_SECONDS = 5.0
GONGKAI_SANDBOX_TIMEOUT = 30.0
# Before its process starts, the sandbox waits up to this long (s) for room for it (~80 MB) under the
# family bound (GONGKAI_FAMILY_RSS_BUDGET_MB, with the browser: pipelines/memory.py), then starts anyway.
GONGKAI_SANDBOX_ROOM_WAIT_SECONDS = 10.0
# Distributed crawl (`--workers N`, `gongkai worker`; crawler/distributed/): a worker whose heartbeat
# is older than the TTL (s) is dead and its in-flight requests return to the queue; an idle worker
# looks for new work every POLL (s); a download waiting for its host's shared lease retries every
# LEASE_WAIT (s).
GONGKAI_DISTRIBUTED_HEARTBEAT_TTL = 10.0
GONGKAI_DISTRIBUTED_POLL = 0.5
GONGKAI_DISTRIBUTED_LEASE_WAIT = 0.02
# Set per worker by `gongkai crawl --workers N` / `gongkai worker` (crawler/distributed/run.py), never
# by hand: the crawl job's id on the Redis (its keys' prefix) and this worker's name in it.
GONGKAI_JOB_ID = None
GONGKAI_WORKER_NAME = None

# --- re-crawls and the archive's life (archive/state.py, docs/archive.md) ---------------------
# DIR/state.sqlite makes a second `gongkai crawl --out DIR` the next crawl of the job; a crawl that
# did not finish is resumed (same crawl id, its captures served from its WARCs) unless RESUME=0.
GONGKAI_RESUME = True
# If-None-Match / If-Modified-Since from the last capture; a 304 is archived as a revisit.
GONGKAI_CONDITIONAL_REQUESTS = True
# A payload byte-identical to the URL's last full capture is archived as a revisit record.
GONGKAI_REVISITS = True
DOWNLOADER_MIDDLEWARES["crawler.middlewares.conditional_requests.ConditionalRequestsMiddleware"] = 940
EXTENSIONS["crawler.extensions.changes.ChangeLog"] = 600
# The job (crawler/job.py) owns state.sqlite and the WARC writer; listed first so it exists from the start.
EXTENSIONS["crawler.job.CrawlJob"] = 0
# Crash safety (archive/frontier.py): every request the crawl accepts is journaled in state.sqlite and
# marked done once what it produced is durable; a resumed crawl starts from the pending entries,
# serving those already fetched from its own WARCs (crawler/middlewares/resume_from_archive.py).
GONGKAI_FRONTIER_JOURNAL = True
SPIDER_MIDDLEWARES["crawler.middlewares.frontier.FrontierMiddleware"] = 5  # outermost: sees what the engine gets
DOWNLOADER_MIDDLEWARES["crawler.middlewares.resume_from_archive.ResumeFromArchiveMiddleware"] = 939
# The state's write batch is committed this often (seconds) and at the end; what a kill leaves
# uncommitted is at most this much (a resumed crawl re-records those captures from its WARCs).
GONGKAI_STATE_COMMIT_INTERVAL = 0.2

# --- browser rendering (crawler/browser.py, crawler/browser_handler.py, docs/javascript.md) -------
# scrapy-playwright serves only requests whose meta has "playwright"; every other request falls
# back to Scrapy's own handler. Playwright and chromium start on the first such request, never
# before, and stop after GONGKAI_BROWSER_IDLE_SECONDS without one. Every request chromium makes is
# fetched by Scrapy's downloader (scope, robots.txt, slots, WARC capture) or aborted: chromium itself
# has no network.
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser_handler.ScopedPlaywrightHandler",
    "https": "crawler.browser_handler.ScopedPlaywrightHandler",
}
DOWNLOADER_MIDDLEWARES["crawler.middlewares.browser_capture.BrowserCaptureMiddleware"] = 951
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Debian's chromium-headless-shell (the headless build: a third of the full browser's memory),
# else Debian's chromium; never a Playwright download.
_HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": _HEADLESS_SHELL if os.path.exists(_HEADLESS_SHELL) else "/usr/lib/chromium/chromium",
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--disable-client-side-phishing-detection",
             "--disable-domain-reliability", "--disable-breakpad", "--metrics-recording-only", "--mute-audio",
             "--disable-dev-shm-usage",
             # Memory: one renderer, network service and GPU in the browser process, small JS heaps.
             "--renderer-process-limit=1", "--no-zygote", "--in-process-gpu", "--disable-software-rasterizer",
             "--disable-site-isolation-trials", "--js-flags=--max-old-space-size=128 --max-semi-space-size=1 --lite-mode",
             # Chromium keeps only the last --enable-/--disable-features: these repeat Playwright's own
             # (1.65) before ours, so none of its switches is lost (NetworkTimeServiceQuerying among them).
             "--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies,NetworkServiceInProcess2",
             "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
             "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,"
             "AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,"
             "PreconnectToSearch,site-per-process,IsolateOrigins,Translate,PreloadTopChromeWebUI,"
             "AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,"
             "CalculateNativeWinOcclusion,SafeBrowsingEnhancedProtection"],
}
# The Playwright driver (Node) relays the protocol and nothing more: small heaps, no JIT (-25 MB).
GONGKAI_BROWSER_DRIVER_NODE_OPTIONS = "--max-old-space-size=48 --max-semi-space-size=1 --jitless"
# A page that never finishes loading fails after this (ms) and the crawl goes on.
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20000
# What is open at once: one context, one page. Its renderer exits when the page closes; two pages
# at once kept one renderer holding both (chromium 339 MB at the family's peak vs 258 MB with one,
# benchmarks/browser.py on seeds 1000-1039).
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 1
PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER = True  # a crashed chromium is relaunched for the next page
# Renders have a download slot of their own (their requests use the hosts' slots); its concurrency
# is the number of pages rendering at once.
DOWNLOAD_SLOTS = {"gongkai-browser": {"concurrency": PLAYWRIGHT_MAX_PAGES_PER_CONTEXT, "delay": 0}}
# A context is closed (and a fresh one used) after this many pages: caches do not pile up.
GONGKAI_BROWSER_PAGES_PER_CONTEXT = 20
# Browser and driver are shut down after this many seconds without a render (0: never).
GONGKAI_BROWSER_IDLE_SECONDS = 20.0
# When a render ends with no page open and chromium's processes still running (the browser process;
# a renderer that outlived its pages) hold more than this many MB resident, the browser is closed
# and the next render launches a fresh one (0: never). A guard: measured, the browser process stays
# near 113 MB over 165 renders (benchmarks/browser.py, seeds 1000-1039).
GONGKAI_BROWSER_MAX_RSS_MB = 200
# Chromium renders in its browser process, no renderer process (crawler/browser_handler.py): the family
# held 80 MB less resident per render (benchmarks/browser.py); each context is then a browser of its own.
GONGKAI_BROWSER_SINGLE_PROCESS = True
# The crawl's process family (crawler, extraction workers, driver, chromium, LibreOffice) is kept
# under this many MB resident where it can be: before a child starts LibreOffice (~220 MB) it waits
# for room, the idle browser is closed for it and relaunched after (pipelines/memory.py; 0: off).
GONGKAI_FAMILY_RSS_BUDGET_MB = 600
# A child is let in only with this many MB to spare under the bound besides its own need: the crawl
# process and chromium grow while it runs (the family reached 599 MB with the script sandbox let in on
# its 80 MB: benchmarks.discovery, seeds 1000-1039; chromium 206 MB at a replacement bound of 200).
GONGKAI_FAMILY_RSS_MARGIN_MB = 25
# Resource types chromium is not given (nothing a list, a report or a counter needs).
GONGKAI_BROWSER_SKIP_RESOURCE_TYPES = ["image", "media", "font"]
# After load (and after each pager click), wait up to this long (ms) for the page to be quiet before
# reading the DOM: quiet for GONGKAI_BROWSER_QUIET_MS, with none of its requests in flight (each passes
# through Scrapy) and no XHR/fetch callback or short timer pending in the page (crawler/browser.py:
# settle). 0: Playwright's networkidle instead (500 ms without a request: 0.5 s per state).
GONGKAI_BROWSER_SETTLE_MS = 3000
GONGKAI_BROWSER_QUIET_MS = 100
# A list rendered again because its first render was read before its data came (spider:
# _render_list_again) waits this long (ms) for quiet: its data requests queue behind the host's
# download slot, and at 3 s the second render was late too under load (tests/test_scale_recall.py
# failed in a full-suite run). Quiet comes first when the answer does, so it costs only a late list.
GONGKAI_BROWSER_SETTLE_AGAIN_MS = 12000
# A rendered list's next-page control ("下一页", "next"…) is clicked up to this many times, each
# state archived and its links followed.
GONGKAI_BROWSER_MAX_PAGER_CLICKS = 10
# Decide per page (crawler/rules/browser.py); GONGKAI_BROWSER_HOSTS = {"host": "always" | "never"}.
GONGKAI_BROWSER_ENABLED = True
GONGKAI_BROWSER_HOSTS: dict[str, str] = {}

# --- reactor CPU (crawler/extensions/gc_freeze.py) ----------------------------------------------
# Start-up's objects leave the garbage collector's full passes once the engine has started: a full
# collection over them stopped the reactor 90-200 ms at a time, twice in a 20-portal crawl, and
# AutoThrottle read the wait as server latency. False: Python's default collector, unchanged.
GONGKAI_GC_FREEZE_AFTER_START = True
EXTENSIONS["crawler.extensions.gc_freeze.FreezeStartupObjects"] = 0

# --- crawl process memory (crawler/job.py) -------------------------------------------------------
# The crawl process's growth past its imports is mostly outside Python's objects (40 portals: ~265 MB
# resident at the peak, ~70 MB of live Python objects by tracemalloc, [heap] ~96 MB of it lxml trees
# and large buffers). glibc would give each thread an arena of its own and keep the freed pages of
# bursts resident: two arenas serve the reactor and its helper threads (0: glibc's default).
GONGKAI_MALLOC_ARENAS = 2
# Seconds between malloc_trim(0) calls, which return the arenas' free pages to the system (0: off).
# Measured once each (load ~10): late in the crawl 207 MB with it, ~230 without; the peak itself
# (263 vs 268 MB) is within noise.
GONGKAI_MALLOC_TRIM_INTERVAL = 2.0
