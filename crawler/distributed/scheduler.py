"""scrapy-redis's scheduler made safe against a worker dying: every request it hands out is leased, not popped.

scrapy-redis's own `Scheduler` pops a request out of Redis when the engine
asks for one; if the worker is then killed (SIGKILL, a lost machine), the
request and everything it would have led to are gone. Here a request moves
atomically from the shared queue into this worker's lease
(`<spider>:lease:<worker>`) and leaves it only once Scrapy is completely
done with it: downloaded, its callback run, its items pushed to Redis and its
new requests queued (or, for a redirect or retry, the follow-up queued).
Each worker renews a heartbeat key; the leases of a worker whose heartbeat
expired are put back in the queue by any live worker, so another one
fetches them. A request can therefore be fetched twice (its first worker
died after fetching it) but never lost.

Workers also share the end of the crawl: a worker with nothing to do stays
open while other workers hold leases (their pages may still yield new
requests) and closes once the queue is empty and nothing is leased.

A request whose items Redis did not take (a push that failed mid-crawl)
goes back to the queue once done, instead of leaving the lease: its page is
fetched again, and its items sent again (one whose WARC index row Redis did
not take is fetched again as a retry: crawler/distributed/warc.py). A worker
that stops while Redis does not answer leaves its lease where it is
(crawler/distributed/leaving.py): the requests in it are fetched again by
another worker once its heartbeat expires.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from collections import deque
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.distributed import leaving, scripts
from crawler.distributed.keys import Keys
from crawler.distributed.outage import Outage
from crawler.errors import FrontierError

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


def default_worker_id() -> str:
    """host-pid: unique among live workers, and readable in `SMEMBERS <spider>:workers`."""
    return f"{socket.gethostname()}-{os.getpid()}"


class LeasingScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no types
    """The shared priority queue and dupe filter of scrapy-redis, with leases, heartbeats and a shared end."""

    crawler: Crawler
    worker: str
    timeout: float
    interval: float
    outage: Outage
    """Redis not answering: past REDIS_OUTAGE_LIMIT seconds the worker stops (reason `redis_unreachable`, exit 1)
    rather than wait on; it tries again every poll interval meanwhile."""
    leases: dict[Request, bytes]
    """Requests handed to the engine and not yet released → their encoded form (the field in the lease hash)."""
    held: deque[Request]
    """Requests found while Redis was away, queued there once it answers, before any lease ends (the pages that found
    them stay leased until then): a short outage loses none, and one while the spider's start requests are read does
    not stop the crawl as if interrupted (Scrapy stops on an error there)."""
    redo: set[Request]
    """Leased requests whose items Redis did not take: back to the queue once done, not released."""
    take_unanswered: bool
    """A take failed: Redis may have run it, leasing a request this worker never got (a stray), until given back."""
    _ticker: LoopingCall | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        instance: LeasingScheduler = cls.from_settings(crawler.settings)
        settings = crawler.settings
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.persist = True  # a worker that closes must never wipe the frontier the others share
        instance.worker = settings.get("REDIS_WORKER_ID") or default_worker_id()
        instance.timeout = settings.getfloat("REDIS_WORKER_TIMEOUT", 30.0)
        instance.interval = settings.getfloat("REDIS_POLL_INTERVAL", 0.5)
        instance.outage = Outage(settings.getfloat("REDIS_OUTAGE_LIMIT", 60.0))
        instance.leases = {}
        instance.held = deque()
        instance.redo = set()
        instance.take_unanswered = False
        instance._ticker = None
        return instance

    def open(self, spider: Spider) -> None:
        with warnings.catch_warnings():  # scrapy-redis 0.9 announces a resumed crawl with the deprecated Spider.log()
            warnings.simplefilter("ignore", ScrapyDeprecationWarning)
            super().open(spider)
        self.keys = Keys(spider.name)
        if (self.queue.key, self.df.key) != (self.keys.requests, self.keys.dupefilter):
            raise FrontierError(f"scheduler keys {self.queue.key}, {self.df.key} differ from {self.keys}: "
                                "leave SCHEDULER_QUEUE_KEY and SCHEDULER_DUPEFILTER_KEY at their defaults")
        if not isinstance(getattr(self._engine_slot(), "inprogress", None), set):
            raise FrontierError("this Scrapy version does not expose the engine's requests in progress; "
                                "distributed crawls need Scrapy 2.19")
        self.lease_key = self.keys.lease(self.worker)
        self._take = self.server.register_script(scripts.TAKE)
        self._enqueue = self.server.register_script(scripts.ENQUEUE)
        self._give_back = self.server.register_script(scripts.GIVE_BACK)
        self._beat()
        self._recover()
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(self.interval, now=False)
        self.crawler.signals.connect(self._item_error, signal=signals.item_error)
        logger.info("Worker %s joined the frontier %s (%d requests queued)", self.worker, self.queue.key, len(self.queue))

    # -- the queue ----------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        """Queue `request` unless its fingerprint was seen; the fingerprint and the request go in together. Without
        Redis, hold it until Redis answers again (`held`); once Redis is gone for a stopping worker, without trying."""
        if leaving.gone(self.crawler):
            self.held.append(request)
            return True
        try:
            return self._queue(request)
        except redis.RedisError as err:
            self.held.append(request)
            leaving.failed(self.crawler, err)
            self._unreachable(err)
            return True

    def _queue(self, request: Request) -> bool:
        data = self.queue._encode_request(request)
        score = -request.priority
        if request.dont_filter:
            self.server.zadd(self.queue.key, {data: score})
        elif not self._enqueue(keys=[self.df.key, self.queue.key], args=[self.df.request_fingerprint(request), score, data]):
            self.df.log(request, self.spider)
            if self.stats:
                self.stats.inc_value("dupefilter/filtered")
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        """The best queued request, now leased to this worker."""
        self.release_finished()
        ttl = int(self.timeout * 1000)
        try:
            data = self._take(keys=[self.queue.key, self.lease_key, self.keys.workers, self.keys.heartbeat(self.worker)],
                              args=[self.worker, ttl])
        except redis.RedisError:
            self.take_unanswered = True
            raise
        if data is None:
            return None
        try:
            request = self.queue._decode_request(data)
        except (ValueError, AttributeError) as err:  # a callback this code does not have: skip it, do not stall the crawl
            logger.error("Dropped a queued request this worker cannot rebuild (%s): %r", err, data[:200])
            self.server.hdel(self.lease_key, data)
            if self.stats:
                self.stats.inc_value("redis/undecodable")
            return None
        self.leases[request] = data
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request  # type: ignore[no-any-return]

    def has_pending_requests(self) -> bool:
        """True while the crawl goes on anywhere: something queued, or leased by a worker whose pages may add more.

        "Nothing queued and nothing leased" is final: a request is taken into a
        lease, and a new one queued with its fingerprint, in single atomic
        steps, and a lease ends only after the request's new requests are queued.
        """
        self.release_finished()
        return not scripts.crawl_done(self.server, self.keys)

    def release_finished(self) -> None:
        """End the lease of every request the engine is done with (its items and follow-ups are in Redis by then), once
        the requests held while Redis was away (found by them, maybe) are queued; one whose items Redis did not take
        goes back to the queue instead. Not once Redis is gone for a stopping worker, whose lease then goes to another
        worker whole."""
        if leaving.gone(self.crawler):
            return
        while self.held:
            self._queue(self.held[0])
            self.held.popleft()
        slot = self._engine_slot()
        if not self.leases or slot is None:  # no engine to ask: keep the leases; close() gives them back
            return
        done = [request for request in self.leases if request not in slot.inprogress]
        again = [request for request in done if request in self.redo]
        if again:
            self._give_back(keys=[self.queue.key, self.lease_key], args=[self.leases[request] for request in again])
            logger.warning("Worker %s put %d finished requests back in the queue: Redis did not take their items",
                           self.worker, len(again))
            self._forget(again, "redis/redone")
        released = [request for request in done if request not in again]
        if released:
            self.server.hdel(self.lease_key, *(self.leases[request] for request in released))
            self._forget(released, "redis/released")

    def items_lost(self, request: Request | None) -> None:
        """A push of `request`'s items failed: once done, it goes back to the queue (fetched again, its items sent
        again; the ingester's upserts absorb what did arrive) instead of leaving its lease with its items lost. A
        request not known (None, or not leased): every leased request in progress, to be safe."""
        if request in self.leases:
            self.redo.add(request)
            return
        slot = self._engine_slot()
        if slot is not None:
            self.redo.update(leased for leased in slot.inprogress if leased in self.leases)

    def _item_error(self, response: Any, failure: Failure) -> None:
        """Scrapy's item_error: an item pipeline failed; if it is Redis that did not take the item, `items_lost`."""
        if isinstance(failure.value, redis.RedisError):
            self.items_lost(getattr(response, "request", None))

    def _forget(self, requests: list[Request], stat: str) -> None:
        """Requests whose leases Redis ended: only then, else the next poll, or close(), tries again."""
        for request in requests:
            del self.leases[request]
            self.redo.discard(request)
        if self.stats:
            self.stats.inc_value(stat, len(requests))

    def close(self, reason: str) -> None:
        """Leave the frontier: unfinished leases go back to the queue; the queue and dupe filter stay (persistent).
        Without Redis, the lease stays in Redis, and the requests in it go to another worker when the heartbeat expires."""
        if self._ticker is None:  # open() failed: nothing was leased
            return
        if self._ticker.running:
            self._ticker.stop()
        if not leaving.gone(self.crawler):
            try:
                self._leave(reason)
                return
            except redis.RedisError as err:
                leaving.failed(self.crawler, err, stopped=True)
        leaving.unsent(self.crawler, "leased", len(self.leases))
        leaving.unsent(self.crawler, "held", len(self.held))

    def _leave(self, reason: str) -> None:
        self.release_finished()
        unfinished = self.server.hkeys(self.lease_key)  # strays too (take_unanswered)
        if unfinished:
            given = self._give_back(keys=[self.queue.key, self.lease_key], args=unfinished)
            logger.warning("Worker %s closed (%s) with %d unfinished requests: put them back in the queue",
                           self.worker, reason, given)
        self.leases.clear()
        self.redo.clear()
        pipe = self.server.pipeline()
        pipe.srem(self.keys.workers, self.worker).delete(self.keys.heartbeat(self.worker))
        pipe.set(self.keys.stopped(self.worker), reason, ex=3600)
        pipe.execute()
        super().close(reason)

    # -- liveness -----------------------------------------------------------

    def _tick(self) -> None:
        """Every poll interval: finish leases, renew the heartbeat, recover dead workers, and look for new work."""
        if leaving.gone(self.crawler):  # stopping, and Redis did not answer: nothing more is tried
            return
        try:
            self.release_finished()
            if self.take_unanswered:
                self._give_back_strays()
            self._beat()
            self._recover()
        except redis.RedisError as err:
            leaving.failed(self.crawler, err)
            self._unreachable(err)
            return
        self.outage.answered()
        slot = self._engine_slot()
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()  # an idle engine only looks at the scheduler every 5 s by itself

    def _unreachable(self, err: redis.RedisError) -> None:
        """Wait out a short Redis outage; past its limit, stop the worker, which a cron job sees (exit 1) instead of a
        process that tries forever. Its leases time out, and the other workers take them back."""
        if self.outage.failed(err) is not None:  # the poll's fixed interval, not the outage's growing wait
            logger.warning("Worker %s cannot reach Redis (%s); trying again in %.1f s", self.worker, err, self.interval)
            return
        logger.error("Worker %s has not reached Redis for %.0f s (%s): stopping", self.worker, self.outage.seconds(), err)
        leaving.failed(self.crawler, err, stopped=True)
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason="redis_unreachable"))

    def _give_back_strays(self) -> None:
        """Requests in this worker's lease it never got (a take Redis ran, its answer too late) back to the queue: else
        they stayed leased to a live worker, never fetched, and no worker saw the crawl end."""
        strays = set(self.server.hkeys(self.lease_key)) - set(self.leases.values())
        if strays:
            given = self._give_back(keys=[self.queue.key, self.lease_key], args=sorted(strays))
            logger.warning("Worker %s put back in the queue %d requests it took without getting them (Redis answered "
                           "too late)", self.worker, given)
        self.take_unanswered = False

    def _beat(self) -> None:
        pipe = self.server.pipeline()
        pipe.sadd(self.keys.workers, self.worker).set(self.keys.heartbeat(self.worker), "1", px=int(self.timeout * 1000))
        pipe.execute()

    def _recover(self) -> None:
        for worker, moved in scripts.recover_dead_workers(self.server, self.keys, alive=self.worker).items():
            if moved:
                logger.warning("Worker %s stopped answering: put its %d unfinished requests back in the queue", worker, moved)
            if self.stats:
                self.stats.inc_value("redis/recovered", moved)

    def _engine_slot(self) -> Any:
        """The engine's private slot: the only place Scrapy keeps which requests are still being handled.

        A request leaves `inprogress` after its response was scraped and its
        items went through the item pipelines, or after a downloader
        middleware's replacement (redirect, retry) was scheduled; Scrapy
        offers no signal for that moment. `open()` checks the attribute, so
        a Scrapy that moves it fails loudly instead of leaking leases.
        """
        engine = getattr(self.crawler, "engine", None)
        return getattr(engine, "_slot", None)
