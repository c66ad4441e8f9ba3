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
# Scrapy's parser, keeping the body: the site spider reads Sitemap lines from Scrapy's own fetch of robots.txt.
ROBOTSTXT_PARSER = "crawler.middlewares.robots.BodyKeepingRobotParser"
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

# -- Faults (crawler/middlewares/; docs/reliability.md) ----------------------------
# Longest Retry-After (seconds) a 429/503 retry waits for; a longer one is not retried.
RETRY_AFTER_MAX = 60
# Our retry, redirect and content-sniffing middlewares, in the places of Scrapy's own.
FAULT_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirect.GuardedMetaRefreshMiddleware": 580,
    "crawler.middlewares.content.ContentSniffMiddleware": 585,  # after unpacking (590), before meta refresh
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirect.GuardedRedirectMiddleware": 600,
}
# A callback that raises leaves a row in `errors`.
SPIDER_MIDDLEWARES = {"crawler.middlewares.errors.CallbackErrorsMiddleware": 950}

# -- Offline mirror (set by `crawl --offline`) --------------------------------
# host:port of a running mirror server, or a mirror folder to serve; empty = live.
MIRROR_ADDRESS = ""
MIRROR_DIR = ""

# -- Saved pages as tests (`fixtures` commands, `scrapy check`) ------------------
# Folder of fixture mirrors, one per site; `scrapy check` serves it to the contracts.
FIXTURE_SITES_DIR = str(PROJECT_ROOT / "tests" / "fixtures" / "sites")
# Our `check` overrides Scrapy's: contracts run against FIXTURE_SITES_DIR unless --live.
COMMANDS_MODULE = "crawler.commands"
# `@fields a b`: every item a callback returns has non-empty a and b.
SPIDER_CONTRACTS = {"crawler.contracts.FieldsContract": 10}

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
# Items (articles, count observations) and WARC index rows written per SQLite transaction.
STORE_BATCH_SIZE = 100
# Worker processes that parse article pages (crawler/parsepool.py): "auto" = the machine's cores - 1
# (at most 4); 0 = parse in the crawl's own thread.
PARSE_PROCESSES = "auto"
# Items of one response processed concurrently. Scrapy starts this many tasks for every response
# (default 100); our pipelines are synchronous, so 16 is plenty and saves a tenth of a crawl's CPU.
CONCURRENT_ITEMS = 16

# -- Raw pages (WARC) --------------------------------------------------------------
# Keep every fetched response (request + response records) in gzip WARC files; False = off.
WARC_ENABLED = True
# Folder of the WARC files; empty = a `warc` folder beside the database (DB_PATH).
WARC_DIR = ""
# Start a new WARC file of the run once the current one reaches this many bytes.
WARC_MAX_SIZE = 1024 * 1024 * 1024
# zlib level of the WARC records (1 fastest … 9 smallest); 3 costs ~2 ms a 100 kB page and packs HTML to ~16 %.
WARC_GZIP_LEVEL = 3
# Write WARC records (digests, gzip) and their `pages` rows on a thread of their own, beside the crawl's.
WARC_THREAD = True
# Next to the downloader, so it records responses as sent, before redirects, retries and unpacking.
DOWNLOADER_MIDDLEWARES = {
    "crawler.warc.WarcMiddleware": 950, **FAULT_MIDDLEWARES,
    # Scrapy's, but every request that waited on a host's robots.txt is judged by it (crawler/middlewares/robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsTxtMiddleware": 100,
}

# -- Incremental crawls (crawler/incremental.py; docs/operations.md) ---------------
# A listing is paged until it shows this many already-stored articles in a row; 0 = to the end.
INCREMENTAL_STOP_AFTER_KNOWN = 20
# Ages in days since publication at which a stored article is fetched again (fresh counts); after the last, never.
REVISIT_AGES = [1, 7, 30]
# A page that answered 404 or 410 is not asked again for this many days (a --refresh run asks anyway).
GONE_RETRY_DAYS = 30
# A listing page that failed in a way a later attempt may cure (a timeout, a 5xx: not a 404 or robots.txt) is where
# later runs resume paging until it is fetched, for at most this many days after it first failed.
LISTING_RESUME_DAYS = 7
# Read the archive (DB_PATH) to skip stored articles; distributed workers, which have none, turn it off.
INCREMENTAL_FROM_DB = True

# -- Distributed crawls (crawler/distributed/; docs/distributed.md) -------------------
# Redis of the shared frontier (set by `crawl --redis`); empty = a single-machine crawl.
REDIS_URL = ""
# Redis list the workers push items (and WARC index rows) to, and `ingest` drains.
REDIS_ITEMS_KEY = "%(spider)s:items"
# A worker silent this many seconds counts as dead: its unfinished requests go back in the queue.
REDIS_WORKER_TIMEOUT = 30.0
# Seconds between a worker's heartbeats, checks for new work and recovery of dead workers' requests.
REDIS_POLL_INTERVAL = 0.5
# A worker, or `ingest --follow`, that has not reached Redis for this many seconds stops (`redis_unreachable`, exit 1)
# rather than try forever.
REDIS_OUTAGE_LIMIT = 60.0
# Seconds a worker or `ingest` waits for Redis to connect or answer one call before taking it as unreachable; a worker
# stopping without Redis is held by it about twice this at most, `ingest` once.
REDIS_TIMEOUT = 5.0
# Seconds between a worker's pushes of the request counts no item took: a killed worker loses at most this many.
REDIS_COUNTS_INTERVAL = 5.0
# A worker's name in Redis (`<spider>:workers`); empty = host-pid.
REDIS_WORKER_ID = ""

# -- Run report (crawler/runstats.py) -----------------------------------------------
# Per-field fill rates and strategies, requests by status: saved in crawl_runs for `health`.
EXTENSIONS = {
    "crawler.runstats.RunReport": 500,
    # A line on standard error every PROGRESS_INTERVAL seconds (0: none), whatever LOG_LEVEL says.
    "crawler.crawlprogress.CrawlProgress": 500,
    # A JOBDIR left by a killed crawl is cleared instead of resumed (crawler/jobdir.py).
    "crawler.jobdir.JobdirGuard": 100,
}

# -- Scrapy housekeeping --------------------------------------------------------
LOG_LEVEL = "INFO"
PROGRESS_INTERVAL = 60.0
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
# Scrapy re-reads and re-parses a generator callback's source on every response to warn about
# `return value` in it (its cache misses on bound methods): 2% of a crawl's CPU. Off.
WARN_ON_GENERATOR_RETURN_VALUE = False
