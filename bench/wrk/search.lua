-- GET /api/v1/patients?q= with name prefixes taken from the dataset ("smi", "ann ga").
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local queries

function init(args)
  queries = read_lines(os.getenv("BENCH_SEARCH_FILE"))
  for i, q in ipairs(queries) do
    queries[i] = "/api/v1/patients?q=" .. urlencode(q)
  end
  math.randomseed(os.time() * 16 + tid)
end

function request()
  return wrk.format("GET", queries[math.random(1, #queries)])
end
