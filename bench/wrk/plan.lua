-- GET /api/v1/plans/{id} (a plan with its progress) for random plan ids.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n

function init(args)
  n = env_number("BENCH_PLANS")
  math.randomseed(os.time() * 16 + tid)
end

function request()
  return wrk.format("GET", "/api/v1/plans/" .. math.random(1, n))
end
