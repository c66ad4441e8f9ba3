"""Scrapy settings for newsarchive; every project setting lives here, grouped."""

from pathlib import Path

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- Where things are -------------------------------------------------------
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The archive database.
DB_PATH = "exports/newsarchive.sqlite"
# Folder of site seed files (<site>.toml).
SEEDS_DIR = str(PROJECT_ROOT / "seeds")

# -- Politeness (live crawls) ---------------------------------------------------
# Contact URL carried in the User-Agent, so site owners can reach us.
CONTACT_URL = "https://github.com/newsarchive/newsarchive"
USER_AGENT = f"newsarchive/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
# Pages larger than this (unpacked) are abandoned.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024

# -- Offline mirror (set by `crawl --offline`) --------------------------------
# host:port of a running mirror server, or a mirror folder to serve; empty = live.
MIRROR_ADDRESS = ""
MIRROR_DIR = ""

# -- Dedupe -----------------------------------------------------------------------
# Requests are fingerprinted on their canonical URL, so URL variants are fetched once.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"

# -- Pipelines --------------------------------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalize.NormalizePipeline": 200,
    "crawler.pipelines.dedupe.DedupePipeline": 300,
    "crawler.pipelines.store.StorePipeline": 400,
}
# Article items written per SQLite transaction.
STORE_BATCH_SIZE = 100

# -- Scrapy housekeeping --------------------------------------------------------
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
