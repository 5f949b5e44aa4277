"""Scrapy item pipelines: the crawl's hand-off to pipelines/ (extraction) and to the job's corpus (export)."""
