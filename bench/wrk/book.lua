-- POST /api/v1/appointments: treatment bookings that pass every rule, each for a slot no
-- other request takes. Booking k (thread tid takes k = offset + tid, + threads, ...) is
-- working day k / 400 after BENCH_BOOK_FIRST_UNIX (a Monday; Monday to Saturday), room
-- (k % 400) / 20, slot k % 20 of 30 minutes from 08:00 (20 rooms of 20 slots), with the room's practitioner for
-- that slot (even slots: 2r, odd: 2r + 1), for pool plan k mod POOL and its patient
-- (plan j belongs to patient j mod PATIENTS + 1). A plan comes round again POOL / 400
-- working days later (30 for the default pool of 12,000: 35 days, within the 28-42 day
-- spacing), up to its six sessions. The harness counts 201s, not requests.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local threads, offset, counter = 1, 0, 0
local pool_first, pool, patients, book_first
local rooms, room_first, pract_first, slots, slot_min, day_start

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  threads = env_number("BENCH_WRK_THREADS")
  offset = env_number("BENCH_BOOK_OFFSET")
  pool_first = env_number("BENCH_POOL_FIRST_PLAN")
  pool = env_number("BENCH_POOL_SIZE")
  patients = env_number("BENCH_PATIENTS")
  book_first = env_number("BENCH_BOOK_FIRST_UNIX")
  rooms = env_number("BENCH_ROOMS")
  room_first = env_number("BENCH_ROOM_FIRST_ID")
  pract_first = env_number("BENCH_PRACT_FIRST_ID")
  slots = env_number("BENCH_SLOTS")
  slot_min = env_number("BENCH_SLOT_MIN")
  day_start = env_number("BENCH_DAY_START_MIN")
end

local function instant(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

function request()
  local k = offset + tid + threads * counter
  counter = counter + 1
  local per_day = rooms * slots
  local d, i = math.floor(k / per_day), k % per_day
  local r, s = math.floor(i / slots), i % slots
  local day = book_first + (math.floor(d / 6) * 7 + d % 6) * 86400
  local start = day + (day_start + s * slot_min) * 60
  local j = k % pool
  local body = string.format(
    '{"patient_id":%d,"kind":"treatment","plan_id":%d,"practitioner_id":%d,' ..
    '"room_id":%d,"start":"%s","end":"%s"}',
    j % patients + 1, pool_first + j, pract_first + 2 * r + s % 2, room_first + r,
    instant(start), instant(start + slot_min * 60))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count_status(status)
end
