"""The live feed index's Lua scripts: each write, clean-up and page read is one atomic step in Redis.

The keys they touch and why are described in :mod:`newswatch_alert.live.index`, which runs them.
"""

from __future__ import annotations

__all__ = ["DROP", "PAGE", "WRITE"]

UNINDEX = """
local function id_of(member)
  return string.match(member, '^%d+:(.*):[^:]*$')
end
-- Removes an article's entries. With a member given, only if the article is still indexed under
-- it (a re-indexed article keeps its new entries; the stale member alone goes).
local function unindex(id, member)
  local rec = redis.call('HGET', KEYS[3], id)
  if rec then
    local parts = {}
    for part in string.gmatch(rec, '[^\\n]+') do parts[#parts + 1] = part end
    if member == nil or parts[1] == member then
      member = parts[1]
      for j = 2, #parts do redis.call('ZREM', parts[j], member) end
      redis.call('HDEL', KEYS[3], id)
    end
  end
  if member then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
  end
end
"""

# KEYS: feed, stored, indexed, stream.
# ARGV: keep, expire_before (epoch s), now (epoch s), stream maxlen, publish (1/0),
#       then per article: id, member, n, n facet keys.
WRITE = (
    UNINDEX
    + """
local published = 0
local i = 6
while i <= #ARGV do
  local id, member, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local facets = {}
  for j = 1, n do facets[j] = ARGV[i + 2 + j] end
  i = i + 3 + n
  local rec = member
  if n > 0 then rec = member .. '\\n' .. table.concat(facets, '\\n') end
  local old = redis.call('HGET', KEYS[3], id)
  if old ~= rec then
    if old then unindex(id, nil) end
    redis.call('ZADD', KEYS[1], 0, member)
    for _, key in ipairs(facets) do redis.call('ZADD', key, 0, member) end
    redis.call('HSET', KEYS[3], id, rec)
    if ARGV[5] == '1' then
      redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'id', id)
      published = published + 1
    end
  end
  redis.call('ZADD', KEYS[2], ARGV[3], member)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])) do
  unindex(id_of(member), member)
end
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if extra > 0 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) do
    unindex(id_of(member), member)
  end
end
return published
"""
)

# KEYS: feed, stored, indexed. ARGV: members whose article JSON is gone.
DROP = (
    UNINDEX
    + """
for _, member in ipairs(ARGV) do unindex(id_of(member), member) end
return #ARGV
"""
)

# KEYS: feed, temp. ARGV: upper, lower, min score ('' = none), want, budget, n groups,
#       then per group: n, keys. Returns {matched members, last examined member, examined, done}.
PAGE = """
local upper, lower, want, budget = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local min_score = tonumber(ARGV[3])
local groups, i = {}, 7
for g = 1, tonumber(ARGV[6]) do
  local n = tonumber(ARGV[i])
  local group, size = {}, 0
  for j = 1, n do
    group[j] = ARGV[i + j]
    size = size + redis.call('ZCARD', ARGV[i + j])
  end
  i = i + n + 1
  groups[g] = {keys = group, size = size}
end
local driver, skip = KEYS[1], 0
if #groups > 0 then
  local best = 1
  for g = 2, #groups do
    if groups[g].size < groups[best].size then best = g end
  end
  if groups[best].size == 0 then return {{}, '', 0, 1} end
  skip = best
  if #groups[best].keys == 1 then
    driver = groups[best].keys[1]
  else
    driver = KEYS[2]
    redis.call('ZUNIONSTORE', driver, #groups[best].keys, unpack(groups[best].keys))
  end
end
local found, last, examined, done = {}, '', 0, 0
local chunk = math.min(500, math.max(want * 2, 50))
while #found < want and examined < budget do
  local batch = redis.call('ZRANGE', driver, upper, lower, 'BYLEX', 'REV', 'LIMIT', 0, chunk)
  local stopped = false
  for _, member in ipairs(batch) do
    examined = examined + 1
    last = member
    local ok = true
    if min_score then
      ok = tonumber(string.match(member, ':([^:]*)$')) >= min_score
    end
    if ok then
      for g = 1, #groups do
        if g ~= skip then
          local any = false
          for _, key in ipairs(groups[g].keys) do
            if redis.call('ZSCORE', key, member) then any = true break end
          end
          if not any then ok = false break end
        end
      end
    end
    if ok then found[#found + 1] = member end
    if #found >= want or examined >= budget then
      stopped = true
      break
    end
  end
  if not stopped and #batch < chunk then
    done = 1
    break
  end
  if #batch == 0 then
    done = 1
    break
  end
  upper = '(' .. last
end
if driver == KEYS[2] then redis.call('DEL', KEYS[2]) end
return {found, last, examined, done}
"""
