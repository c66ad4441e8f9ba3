"""Distributed crawls: workers on several machines share one frontier in Redis (scrapy-redis), one process writes SQLite.

    crawl --redis URL   a worker: scrapy-redis scheduler and dupe filter, items to a Redis list
    ingest --redis URL  the single writer: items through validate → normalize → dedupe → store

How it fits together, and what to monitor, is in docs/distributed.md; the
Redis keys of a spider are listed in `keys.Keys`.
"""
