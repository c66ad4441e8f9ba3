"""newsarchive: crawl news sites and their archives into SQLite."""

import logging

__version__ = "0.1.0"
# The name of the handler `python -m crawler` logs through; a Scrapy process replaces it (crawl.scrapy_process).
CLI_LOG_HANDLER = "newsarchive-cli"

logging.getLogger(__name__).addHandler(logging.NullHandler())
