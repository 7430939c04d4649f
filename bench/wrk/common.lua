-- Shared by the benchmark's wrk scripts (loaded with dofile): the bearer token, the
-- thread numbering, and a done() that prints one machine-readable BENCH line.
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function env_number(name)
  local v = tonumber(os.getenv(name) or "")
  if not v then
    error(name .. " is not set")
  end
  return v
end

function read_lines(path)
  local lines = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  f:close()
  assert(#lines > 0, path .. " is empty")
  return lines
end

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

-- Per thread: tid (0-based, set by setup) and a status histogram (filled by scripts that
-- define response()).
tid = 0
statuses = {}

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  local by_status = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for code, n in pairs(s) do
        by_status[code] = (by_status[code] or 0) + n
      end
    end
  end
  local codes = {}
  for code, _ in pairs(by_status) do
    codes[#codes + 1] = code
  end
  table.sort(codes)
  local parts = {}
  for _, code in ipairs(codes) do
    parts[#parts + 1] = string.format("%d:%d", code, by_status[code])
  end
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p90_us=%d " ..
    "p99_us=%d max_us=%d statuses=%s\n",
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    #parts > 0 and table.concat(parts, ",") or "-"))
end
