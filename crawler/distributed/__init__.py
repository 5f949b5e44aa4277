"""A crawl shared by several worker processes (or machines) through Redis, on scrapy-redis.

    gongkai crawl URL... --out DIR --workers N   local redis-server + N workers, merged at the end
    gongkai worker --redis URL --out DIR         join a running crawl job from another machine

What is shared, and where (keys under gongkai:job:<id>:, so two jobs on one Redis never see each
other's fingerprints): the request queue and the dupefilter (scrapy-redis, keyed per job:
scheduler.py), what each worker has taken but not finished (its in-flight hash, returned to the
queue when the worker's heartbeat stops: a killed worker loses nothing, idle.py), and per-host
download leases, so politeness holds for the whole crawl, not per worker (politeness.py).

What is not shared: each worker writes its own job directory DIR/workers/<name>/ (WARC series with
its own prefix, reports.jsonl, state.sqlite) — no two processes ever write one file. When the crawl
ends, merge.py makes DIR/warc/ (links to every worker's WARCs), one DIR/index.cdxj over all of
them, and (state_merge.py) the job's DIR/reports.jsonl, DIR/state.sqlite and change log, as one
process keeps them; the next crawl's workers start from those, so a re-crawl revisits and logs
changes whichever worker fetched a URL before.
"""
