"""newsarchive: crawl news sites and their archives into SQLite."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
