"""The Lua scripts that keep the shared frontier consistent: each runs atomically inside Redis.

A request is always in exactly one place: the queue, or the lease of the
worker that took it. Taking, finishing and recovering move it between the
two in one step, so no crash of a worker between two Redis calls can lose it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

    from crawler.distributed.keys import Keys

# KEYS: dupefilter, queue. ARGV: fingerprint, score, encoded request.
# The fingerprint is added and the request queued together, or neither.
ENQUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, lease, workers, heartbeat. ARGV: worker id, heartbeat ttl (ms).
# The best-scored request moves from the queue into the worker's lease; taking
# work also proves the worker alive and (re)registers it.
TAKE = """
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], top[1], top[2])
return top[1]
"""

# KEYS: queue, lease. ARGV: encoded requests.
# Leased requests back into the queue, at their old score (a worker closing early).
GIVE_BACK = """
local n = 0
for i = 1, #ARGV do
  local score = redis.call('HGET', KEYS[2], ARGV[i])
  if score then
    redis.call('ZADD', KEYS[1], score, ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
"""

# KEYS: queue, workers, lease, heartbeat. ARGV: worker id.
# A worker whose heartbeat expired: its whole lease back into the queue, and it leaves the set.
RECOVER = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local leased = redis.call('HGETALL', KEYS[3])
for i = 1, #leased, 2 do
  redis.call('ZADD', KEYS[1], leased[i + 1], leased[i])
end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[2], ARGV[1])
return #leased / 2
"""

# KEYS: queue, workers. ARGV: lease key prefix.
# 1 when nothing is queued and no worker holds a lease: every request scheduled so far is done.
DONE = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. worker) > 0 then return 0 end
end
return 1
"""


def crawl_done(server: redis.Redis, keys: Keys) -> bool:
    """True when the frontier is empty and nothing is leased: no worker can still produce an item or a request."""
    return bool(server.eval(DONE, 2, keys.requests, keys.workers, keys.lease("")))


def live_workers(server: redis.Redis, keys: Keys) -> list[str]:
    """The workers whose heartbeat has not expired: running, or killed less than REDIS_WORKER_TIMEOUT ago."""
    members = sorted(raw.decode() if isinstance(raw, bytes) else str(raw) for raw in server.smembers(keys.workers))
    return [worker for worker in members if server.exists(keys.heartbeat(worker))]


def recover_dead_workers(server: redis.Redis, keys: Keys, alive: str | None = None) -> dict[str, int]:
    """Put the leases of workers whose heartbeat expired back in the queue; return worker → requests moved."""
    moved = {}
    for raw in server.smembers(keys.workers):
        worker = raw.decode() if isinstance(raw, bytes) else str(raw)
        if worker == alive:
            continue
        count = int(server.eval(RECOVER, 4, keys.requests, keys.workers, keys.lease(worker), keys.heartbeat(worker), worker))
        if count >= 0:
            moved[worker] = count
    return moved
