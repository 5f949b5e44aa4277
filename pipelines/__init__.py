"""Item pipelines and the extraction library behind them.

The library (`pipelines.report.build_report` and the modules it calls) works on a
`pipelines.page.FetchedPage`, which the live crawl and WARC replay both build: one code path.
"""
