-- GET /api/v1/plans/{id}/next-slots for active plans that still need sessions.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local paths

function init(args)
  paths = read_lines(os.getenv("BENCH_PLAN_IDS_FILE"))
  for i, id in ipairs(paths) do
    paths[i] = "/api/v1/plans/" .. id .. "/next-slots"
  end
  math.randomseed(os.time() * 16 + tid)
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
