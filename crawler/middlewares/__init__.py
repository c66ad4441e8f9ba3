"""Downloader and spider middlewares that keep a crawl going, and honest, when servers and pages misbehave.

Enabled in `crawler/settings.py` (DOWNLOADER_MIDDLEWARES, SPIDER_MIDDLEWARES);
`docs/reliability.md` lists the faults each one handles and the test that
proves it.
"""
