/**
 * The Lua behind RedisRateLimitStore: each call is one script, so read-decide-write is atomic across
 * every process sharing the budget. They mirror core's MemoryRateLimitStore line for line (see its
 * comments for the why of each rule); times are epoch ms.
 *
 * Keys of one bucket share a hash tag ({...}) so they live on one Redis Cluster slot:
 *   tokens  sorted set: member = a sequence number, score = when that token comes back
 *   state   hash: limit, interval (the last rule seen), srem + sreset (the server's word), refused, seq
 *   slots   sorted set: member = lease holder id, score = when the lease expires
 *
 * ARGV[1] is the caller's clock reading, ARGV[2] "1" to use Redis's TIME instead (hosts with skewed
 * clocks then agree); instants the caller observed are passed as offsets from its own reading.
 */

const NOW = `
local now
if ARGV[2] == '1' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
`;

/** Reads the state hash into locals; forgets the server's word once its window has ended. */
const STATE = `
local refused = tonumber(redis.call('HGET', KEYS[2], 'refused') or '0')
local sreset = tonumber(redis.call('HGET', KEYS[2], 'sreset') or '0')
local srem = nil
if sreset > now then
  srem = tonumber(redis.call('HGET', KEYS[2], 'srem'))
elseif sreset > 0 then
  redis.call('HDEL', KEYS[2], 'srem', 'sreset')
  sreset = 0
end
local function keep(interval)
  -- Keys live as long as anything in them matters, plus a minute: no unbounded growth.
  local ttl = math.max(interval, sreset - now, refused - now, 0) + 60000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
`;

/** KEYS: tokens, state. ARGV: now, useRedisTime, limit, intervalMs. Returns {granted 0|1, waitMs}. */
export const TAKE = `${NOW}
local limit = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('HSET', KEYS[2], 'limit', limit, 'interval', interval)
${STATE}
keep(interval)
if refused > now then return {0, refused - now} end
if srem ~= nil and srem <= 0 then return {0, sreset - now} end
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now + interval, redis.call('HINCRBY', KEYS[2], 'seq', 1))
  if srem ~= nil then redis.call('HSET', KEYS[2], 'srem', srem - 1) end
  return {1, 0}
end
local freeing = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
local freeAt = tonumber(freeing[2] or (now + interval))
return {0, math.max(1, freeAt - now)}
`;

/**
 * KEYS: tokens, state. ARGV: now, useRedisTime, refusedIn ("" when none), remaining ("" when none),
 * resetIn ("" when none). Offsets are ms from the caller's reading.
 */
export const OBSERVE = `${NOW}
local refusedIn = tonumber(ARGV[3])
local remaining = tonumber(ARGV[4])
local resetIn = tonumber(ARGV[5])
${STATE}
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or '0')
if refusedIn ~= nil then
  local held = 0
  if refused > now then held = refused end
  refused = math.max(held, now + refusedIn)
  redis.call('HSET', KEYS[2], 'refused', refused)
  redis.call('HDEL', KEYS[2], 'srem', 'sreset')
  sreset = 0
  keep(interval)
  return 1
end
if remaining == nil then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if resetIn ~= nil and resetIn > 0 then
  local resetAt = now + resetIn
  if srem == nil or resetAt - sreset >= 1000 then
    srem = remaining
    sreset = resetAt
  else
    srem = math.min(srem, remaining)
    sreset = math.max(sreset, resetAt)
  end
  redis.call('HSET', KEYS[2], 'srem', srem, 'sreset', sreset)
  keep(interval)
  return 1
end
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit') or '-1')
if limit < 0 then return 0 end
local free = limit - redis.call('ZCARD', KEYS[1])
for i = math.max(0, remaining), free - 1 do
  redis.call('ZADD', KEYS[1], now + interval, redis.call('HINCRBY', KEYS[2], 'seq', 1))
end
keep(interval)
return 1
`;

/** KEYS: slots. ARGV: now, useRedisTime, maxConcurrent, leaseMs, holder, pollMs. Returns {granted 0|1, waitMs}. */
export const ACQUIRE_SLOT = `${NOW}
local max = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], lease + 60000)
  return {1, 0}
end
-- A lease comes back at release (not announced) or at the latest when it expires: poll until then.
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, math.min(tonumber(ARGV[6]), tonumber(first[2]) - now))}
`;

/** KEYS: slots. ARGV: now, useRedisTime, leaseMs, holder. Extends a lease still held; 0 if it was lost. */
export const RENEW_SLOT = `${NOW}
local lease = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) == false then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[1], lease + 60000)
return 1
`;
