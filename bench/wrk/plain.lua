-- One fixed GET (the URL given to wrk): /health, /recalls, and the bare ceiling.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
