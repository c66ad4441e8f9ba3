"""The single writer of a distributed crawl: items from Redis into the archive, through the crawl's own pipelines.

Workers push JSON items to `<spider>:items` (`abai:items`, or a site
profile's, `egemen:items`, for `ingest --spider egemen`); `ingest` takes them in
batches and runs each through ITEM_PIPELINES (validate → normalize → dedupe →
store, the very classes a single-machine crawl runs), stores the WARC
`pages` rows beside them, and commits the batch in one SQLite transaction.
The workers' request counts that come with the items go into the run's
stats, so its report has them as a crawl's has its own (crawler/runstats.py).

Nothing is lost and nothing is stored twice, whenever the ingester is
stopped or killed: a batch is moved (atomically, in Redis) to
`<spider>:items:processing` under a new batch id before it is written; the
id is inserted into `ingest_batches` in the same transaction as the batch's
rows; only then is the processing list deleted. A restarted ingester finds a
leftover batch and either deletes it (its id is in the database: it was
committed) or writes it (it was not). One ingester runs at a time: it holds
`<spider>:ingester`, a key that expires if it dies.

Redis that stops answering holds the ingester up at most REDIS_TIMEOUT a
call (keys.client_params). Without `--follow` the run then ends
(`redis_unreachable`); with it, the ingester tries again after a growing
wait (crawler/distributed/outage.py) and ends only once Redis has not
answered for REDIS_OUTAGE_LIMIT seconds, as a worker does. Either way the
batch in hand stays in `processing`, for the next ingester or, once Redis
answers again, for this one to write or drop as on a restart.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler, load_object

from crawler import settings as project_settings
from crawler.distributed import scripts
from crawler.distributed.codec import PAGE, STATS, Counts, decode
from crawler.distributed.keys import Keys, connect, redact, seconds_setting
from crawler.distributed.outage import Outage
from crawler.errors import ConfigError, FrontierError
from crawler.parsers.abai import SITE as ABAI_SITE
from crawler.pipelines.store import StorePipeline
from crawler.progress import NoProgress
from crawler.sitelock import site_lock

if TYPE_CHECKING:
    from crawler.profiles import Profile
    from crawler.progress import Progress
    from crawler.storage import Store

logger = logging.getLogger(__name__)

# KEYS: items, processing, batch. ARGV: batch size, new batch id.
# Up to N items, oldest first, from the queue to the processing list, under a new batch id.
TAKE_BATCH = """
if redis.call('LLEN', KEYS[2]) > 0 then return false end
for i = 1, tonumber(ARGV[1]) do
  if not redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') then break end
end
if redis.call('LLEN', KEYS[2]) == 0 then return false end
redis.call('SET', KEYS[3], ARGV[2])
return redis.call('LRANGE', KEYS[2], 0, -1)
"""

# KEYS: lock. ARGV: token, ttl (ms). Renew the lock if this ingester still holds it.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS: lock. ARGV: token. Release the lock if this ingester holds it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


# The project's extensions that watch items, run here too: the run report (fill rates for `health`).
ITEM_EXTENSIONS = ("crawler.runstats.RunReport",)


WORKERS_SOURCE = "distributed workers: each WARC file's warcinfo names its worker's source"


@dataclass(frozen=True, slots=True)
class IngestSource:
    """Stands in for the spider the pipelines are told about: its name, its site, the run's arguments, and the site
    profile its pages were parsed with (None: abai's spider)."""

    name: str
    run_args: dict[str, Any]
    site: str | None = None
    profile: Profile | None = None


class PipelineHost:
    """What item pipelines and extensions use of a Scrapy crawler (settings, signals, stats, spider), outside a crawl."""

    def __init__(self, settings: Settings, spider: IngestSource) -> None:
        self.settings = settings
        self.signals = SignalManager(self)
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]
        self.spider = spider


def ingest_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The project's settings, with `overrides` (`ingest -s NAME=VALUE`: REDIS_TIMEOUT, REDIS_OUTAGE_LIMIT, …)."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


class Ingester:
    """Drains one spider's items from Redis into one database, batch by batch, exactly once."""

    def __init__(self, redis_url: str, db: Path, *, profile: Profile | None = None, batch_size: int = 500,
                 lock_ttl: float = 30.0, poll: float = 0.5, settings: Settings | None = None,
                 progress: Progress | None = None) -> None:
        """The items of the abai spider's crawl, or with `profile`, of that site profile's (`<profile.name>:items`);
        `progress` counts the items each batch commits (how many will come is not known), and the batches."""
        if batch_size < 1:
            raise ConfigError("--batch-size must be at least 1")
        settings = ingest_settings() if settings is None else settings
        self.server: redis.Redis = connect(redis_url, seconds_setting(settings, "REDIS_TIMEOUT"))
        self.redis_url = redact(redis_url)
        self.outage = Outage(seconds_setting(settings, "REDIS_OUTAGE_LIMIT"), first_wait=poll)
        spider, site = (profile.name, profile.site) if profile else ("abai", ABAI_SITE)
        self.keys = Keys(spider)
        self.site = site
        self.db = Path(db)
        self.batch_size = batch_size
        self.lock_ttl_ms = int(lock_ttl * 1000)
        self.poll = poll
        self.token = uuid.uuid4().hex
        settings.set("DB_PATH", str(db), priority="cmdline")
        # Where the pages came from is each worker's to say (in its WARC files' warcinfo), not the ingester's settings.
        source = IngestSource(spider, {"ingest": self.redis_url, "spider": spider, "source": WORKERS_SOURCE}, site=site,
                              profile=profile)
        self.host = PipelineHost(settings, source)
        self.pipelines: list[Any] = []
        self.store_pipeline: StorePipeline | None = None
        self.items = 0
        """Items the workers sent, through the pipelines: no page row or count line, which only come with them."""
        self.records = 0
        """The page rows and count lines that came with them."""
        self.batches = 0
        self.progress = progress or NoProgress()
        self.counted: dict[str, int] = {}
        """A worker's stream → the number of its last stats line this run added."""
        self.in_hand: tuple[str, bool] | None = None
        """The batch taken from Redis and not acknowledged yet: its id, and whether it is committed."""

    # -- running ------------------------------------------------------------

    def run(self, follow: bool = False, stop: threading.Event | None = None) -> str:
        """Drain the items; with `follow`, keep going until the crawl is finished. Return why it stopped: "drained",
        "finished", "stopped" (`stop` was set), or "redis_unreachable" (`self.outage` has what Redis answered).

        Holds the site's lock on the database throughout (`crawler.sitelock`):
        a crawl of the site into the same database makes this raise StorageError.
        """
        stop = stop or threading.Event()
        with site_lock(self.db, self.site):
            try:
                self._point_elsewhere()
                self._acquire()
            except redis.RedisError as err:
                raise FrontierError(f"Redis at {self.redis_url} stopped answering as the ingester started: {err}") from err
            reason = "cancelled"
            try:
                self._open()
                self.progress.start("items", None)
                reason = self._drain(follow, stop)
                self.progress.finish()
            finally:
                self._close(reason)
                self._release()
        return reason

    def _drain(self, follow: bool, stop: threading.Event) -> str:
        """Step after step until there is nothing to do or `stop`; a failed Redis call ends it, or with `follow`
        waits (stop-able) until Redis answers, and then first takes up what was left as a restart would."""
        resume = True
        while not stop.is_set():
            try:
                if resume:
                    self._resume()
                    resume = False
                step = self._step(follow)
            except redis.RedisError as err:
                wait = self.outage.failed(err)
                if stop.is_set():
                    return "stopped"
                if not follow or wait is None:
                    return "redis_unreachable"
                logger.warning("Redis at %s did not answer (%s): trying again in %.1f s; ingest stops if it has not "
                               "answered for %.0f s (REDIS_OUTAGE_LIMIT)", self.redis_url, self.outage.error, wait,
                               self.outage.limit)
                resume = True
                stop.wait(wait)
                continue
            if (down := self.outage.answered()) is not None:
                logger.warning("Redis at %s answers again after %.0f s: ingest goes on", self.redis_url, down)
            if step == "idle":
                stop.wait(self.poll)
            elif step != "batch":
                return step
        return "stopped"

    def _step(self, follow: bool) -> str:
        """One batch taken and written ("batch"), or why none was: "drained", "finished" or "idle" (more may come)."""
        self._renew()
        batch_id = uuid.uuid4().hex
        self.in_hand = (batch_id, False)  # until Redis answers, taken or not is unknown
        raw = self.server.eval(TAKE_BATCH, 3, self.keys.items, self.keys.processing, self.keys.batch,
                               self.batch_size, batch_id)
        if raw:
            self._write(batch_id, raw)
            return "batch"
        self.in_hand = None
        if not follow:
            return "drained"
        return "finished" if self.crawl_finished() else "idle"

    def _resume(self) -> None:
        """At the start, and once Redis answers after failing: the hold kept (or taken again, if it expired meanwhile
        and no other ingester took it), and a batch left in `processing` written or dropped."""
        if not self.server.eval(RENEW, 1, self.keys.ingester, self.token, self.lock_ttl_ms):
            self._acquire()
        self._recover()
        self.in_hand = None

    def _point_elsewhere(self) -> None:
        """Warn when this spider has no crawl in Redis but others have items waiting: `--spider` names the wrong one."""
        if self.server.exists(self.keys.dupefilter, self.keys.items, self.keys.processing):
            return
        others = sorted({key.decode().removesuffix(":items") for key in self.server.scan_iter(match="*:items")}
                        - {self.keys.spider})
        if others:
            logger.warning("No crawl of %s in Redis, but items of %s wait there: went on with %s's "
                           "(`ingest --spider %s` writes theirs)", self.keys.spider, ", ".join(others), self.keys.spider,
                           others[0])

    def crawl_finished(self) -> bool:
        """A crawl was seeded, nothing is queued or leased (no worker can push more items), no worker is alive to
        push its last counts as it closes (crawler/distributed/pipeline.py), and no item waits."""
        return (bool(self.server.exists(self.keys.dupefilter)) and scripts.crawl_done(self.server, self.keys)
                and not scripts.live_workers(self.server, self.keys) and self.server.llen(self.keys.items) == 0)

    # -- one batch ------------------------------------------------------------

    def _write(self, batch_id: str, raw: list[Any]) -> None:
        """Every item of the batch through the pipelines, its page rows, and its id: one commit; then the ack."""
        store = self._store()
        counts: list[Counts] = []  # added once the batch is committed: a run counts the requests behind what it stored
        items = 0
        with store.transaction():
            pages = []
            for line in raw:
                try:
                    kind, value = decode(line)
                except FrontierError as err:  # kept as an error row: one bad line must not block the queue
                    store.record_error("", "ingest", "bad_item", str(err), self.run_id)
                    self.host.stats.inc_value("errors/ingest/bad_item")
                    continue
                if kind == PAGE:
                    pages.append({**value, "crawl_run": value.get("crawl_run") or self.run_id})
                elif kind == STATS:
                    counts.append(value)
                else:
                    self._process(value)
                    items += 1
            assert self.store_pipeline is not None
            self.store_pipeline.flush()
            if pages:
                store.save_pages(pages)
                self.host.stats.inc_value("warc/records", len(pages))
            store.mark_batch_ingested(batch_id, len(raw), self.run_id)
        self.in_hand = (batch_id, True)
        for line in counts:
            self._add_counts(line)
        self.items += items
        self.records += len(pages) + len(counts)
        self.batches += 1
        self.host.stats.inc_value("ingest/items", len(raw))
        self.progress.advance(items, note=f"batches: {self.batches}")
        self.server.delete(self.keys.processing, self.keys.batch)  # if Redis misses it, the next _recover drops it
        self.in_hand = None

    def _add_counts(self, line: Counts) -> None:
        """A worker's counts into the run's stats, unless this run added the line already (a push sent twice)."""
        if line.number <= self.counted.get(line.stream, 0):
            self.host.stats.inc_value("ingest/stats_repeated")
            return
        self.counted[line.stream] = line.number
        for name, count in line.counts.items():
            self.host.stats.inc_value(name, count)

    def _process(self, item: Any) -> None:
        """One item through the pipelines in order, with the signals Scrapy would send."""
        for pipeline in self.pipelines:
            try:
                item = pipeline.process_item(item)
            except DropItem as exc:
                self.host.stats.inc_value("item_dropped_count")
                self.host.signals.send_catch_log(signal=signals.item_dropped, item=item, response=None,
                                                 exception=exc, spider=self.host.spider)
                return
        self.host.stats.inc_value("item_scraped_count")
        self.host.signals.send_catch_log(signal=signals.item_scraped, item=item, response=None, spider=self.host.spider)

    def _recover(self) -> None:
        """A batch a previous ingester left in `processing`: drop it if it was committed, else write it now."""
        raw = self.server.lrange(self.keys.processing, 0, -1)
        found = self.server.get(self.keys.batch)
        batch_id = found.decode() if isinstance(found, bytes) else (found or uuid.uuid4().hex)
        if not raw:
            self.server.delete(self.keys.batch)
            return
        if self._store().batch_ingested(batch_id):
            logger.warning("Batch %s (%d items) was committed by an ingester that stopped before acknowledging it: "
                           "dropped it from Redis", batch_id, len(raw))
            self.server.delete(self.keys.processing, self.keys.batch)
            return
        logger.warning("Batch %s (%d items) was taken by an ingester that stopped before committing it: writing it now",
                       batch_id, len(raw))
        self._write(batch_id, raw)
        self.host.stats.inc_value("ingest/recovered_batches")

    # -- pipelines, run, lock ----------------------------------------------------

    def _open(self) -> None:
        """Build ITEM_PIPELINES and the extensions that read items (the run report), and start the run."""
        settings = self.host.settings
        order = settings.getwithbase("ITEM_PIPELINES")
        paths = sorted((path for path, rank in order.items() if rank is not None), key=lambda p: order[p])
        self.pipelines = [build_from_crawler(load_object(path), self.host) for path in paths]  # type: ignore[call-overload]
        stores = [p for p in self.pipelines if isinstance(p, StorePipeline)]
        if len(stores) != 1:
            raise FrontierError("ITEM_PIPELINES must hold crawler.pipelines.store.StorePipeline once for `ingest`")
        self.store_pipeline = stores[0]
        enabled = settings.getdict("EXTENSIONS")
        self.extensions = [build_from_crawler(load_object(path), self.host)  # type: ignore[call-overload]
                           for path in ITEM_EXTENSIONS if enabled.get(path) is not None]
        self.started = time.monotonic()
        self.host.stats.set_value("start_time", time.time())
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider(self.host.spider)

    def _close(self, reason: str) -> None:
        if self.store_pipeline is None or self.store_pipeline.store is None:
            return
        stats = self.host.stats
        # Scrapy's words: a run stopped by a signal is a "shutdown"; a drained or finished one "finished".
        stats.set_value("finish_reason", {"stopped": "shutdown", "cancelled": "cancelled",
                                          "redis_unreachable": "redis_unreachable"}.get(reason, "finished"))
        stats.set_value("elapsed_time_seconds", time.monotonic() - self.started)
        for pipeline in self.pipelines:
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider(self.host.spider)
        self.host.signals.send_catch_log(signal=signals.spider_closed, spider=self.host.spider,
                                         reason=stats.get_value("finish_reason"))

    def _store(self) -> Store:
        assert self.store_pipeline is not None and self.store_pipeline.store is not None
        return self.store_pipeline.store

    @property
    def run_id(self) -> int | None:
        return self.store_pipeline.run_id if self.store_pipeline else None

    def _acquire(self) -> None:
        if not self.server.set(self.keys.ingester, self.token, nx=True, px=self.lock_ttl_ms):
            left = max(0, int(self.server.pttl(self.keys.ingester))) / 1000
            raise FrontierError(f"another ingester is writing {self.keys.spider}'s items ({self.keys.ingester} is held); "
                                f"if it was killed, its hold expires in {left:.0f} s")

    def _release(self) -> None:
        """Give the hold back; not after a Redis call failed (this one would wait as long), nor if it fails: the hold
        then expires by itself within the lock's time to live."""
        if self.outage.error is not None:
            return
        try:
            self.server.eval(RELEASE, 1, self.keys.ingester, self.token)
        except redis.RedisError as err:  # all is stored: the end of the run is no failure
            logger.warning("Redis at %s did not answer as ingest gave back %s (%s): it expires within %.0f s",
                           self.redis_url, self.keys.ingester, err, self.lock_ttl_ms / 1000)

    def _renew(self) -> None:
        if not self.server.eval(RENEW, 1, self.keys.ingester, self.token, self.lock_ttl_ms):
            raise FrontierError(f"lost {self.keys.ingester} (this ingester stalled longer than its hold): "
                                "stopped so that two ingesters never write at once; run it again")
