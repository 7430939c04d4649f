-- GET /api/v1/patients/{id} for random patient ids.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n

function init(args)
  n = env_number("BENCH_PATIENTS")
  math.randomseed(os.time() * 16 + tid)
end

function request()
  return wrk.format("GET", "/api/v1/patients/" .. math.random(1, n))
end
