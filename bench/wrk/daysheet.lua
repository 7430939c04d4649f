-- GET /api/v1/day-sheet?date= for random working days (Monday to Saturday) of the data.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local first, days

function init(args)
  first = env_number("BENCH_SPAN_FIRST_UNIX")
  days = env_number("BENCH_SPAN_DAYS")
  math.randomseed(os.time() * 16 + tid)
end

function request()
  local t = first + 86400 * math.random(0, days - 1)
  if os.date("!%w", t) == "0" then
    t = t + 86400 -- Sunday: the clinic is closed; take Monday
  end
  return wrk.format("GET", "/api/v1/day-sheet?date=" .. os.date("!%Y-%m-%d", t))
end
