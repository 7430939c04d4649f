#!/usr/bin/env bash
# The benchmark harness. Generates (or reuses) the datasets, measures the ceiling of our
# stack on this machine (a bare libmicrohttpd server, raw INSERT transactions) and then
# the real server endpoint by endpoint with wrk, all in one run, and writes a report with
# a throughput chart.
#
#   bench/run.sh full    100,000 patients / 1,000,000 appointments, 10 s per endpoint;
#                        writes bench/RESULTS.md and bench/throughput.svg
#   bench/run.sh smoke   a tiny dataset, 1 s per endpoint; writes only under $BENCH_OUT
#
# Environment: COLLAGENDA (the server binary), BENCH_BIN (where gen, bare and insert
# are), BENCH_OUT (the work directory), and to override the mode: BENCH_SECONDS,
# BENCH_THREADS (server, bare and wrk threads; default: cores clamped to 2..4, as the
# server does), BENCH_CONNECTIONS (64). Every load loop is bounded by wrk -d; every
# target is 127.0.0.1. Any failed step (server does not start, wrk missing, an endpoint
# without a 2xx answer, no booking created) exits non-zero; timings are never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC LC_ALL=C

mode=${1:-}
# The commit measured: taken now, since the tree may move on during a long run.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
case "$mode" in
full)
	out=${BENCH_OUT:-build/bench}
	big=(100000 1000000 12000)
	small=(1000 10000 12000)
	secs=${BENCH_SECONDS:-10}
	warm=2
	rounds=5
	report=bench/RESULTS.md
	chart=bench/throughput.svg
	;;
smoke)
	out=${BENCH_OUT:-build/bench-smoke}
	big=(500 5000 12000)
	small=(500 2000 12000)
	secs=${BENCH_SECONDS:-1}
	warm=0
	rounds=1
	report=$out/RESULTS.md
	chart=$out/throughput.svg
	;;
*)
	echo "usage: bench/run.sh full|smoke" >&2
	exit 2
	;;
esac

collagenda=${COLLAGENDA:-build/collagenda}
bin=${BENCH_BIN:-build/bench}
conns=${BENCH_CONNECTIONS:-64}
if [ -n "${BENCH_THREADS:-}" ]; then
	threads=$BENCH_THREADS
else
	threads=$(nproc)
	[ "$threads" -lt 2 ] && threads=2
	[ "$threads" -gt 4 ] && threads=4
fi
lua=$PWD/bench/wrk
export BENCH_LUA_DIR=$lua BENCH_TOKEN=""

fail() {
	echo "bench: FAILED: $*" >&2
	exit 1
}
say() { echo "bench: $*" >&2; }

for tool in wrk gnuplot sqlite3 curl; do
	command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done
for f in "$collagenda" "$bin/gen" "$bin/bare" "$bin/insert"; do
	[ -x "$f" ] || fail "$f is not built (make bench builds it)"
done
mkdir -p "$out"
results=$out/results.txt
: >"$results"

# Processes this script started, stopped on any exit.
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# ---- datasets ---------------------------------------------------------------------------

# dataset NAME PATIENTS APPOINTMENTS POOL: generates $out/NAME/gen.db, or reuses it when it
# was made at the same scale by the same generator, schema and password hashing; writes
# the query lists.
dataset() {
	local dir=$out/$1 key
	key="$2 $3 $4 $(cat bench/gen.c schema.sql src/util/secrets.c | sha256sum | cut -c1-16)"
	mkdir -p "$dir"
	if [ -f "$dir/gen.db" ] && [ -f "$dir/gen.meta" ] && [ "$(cat "$dir/gen.key" 2>/dev/null)" = "$key" ]; then
		say "reusing $dir/gen.db ($2 patients, $3 appointments)"
	else
		say "generating $dir/gen.db ($2 patients, $3 appointments)"
		rm -f "$dir"/gen.db "$dir"/gen.db-* "$dir/gen.key" "$dir/gen.meta" "$dir"/*.txt
		"$collagenda" init --db "$dir/gen.db" >"$dir/init.log" 2>&1 ||
			fail "collagenda init: $(cat "$dir/init.log")"
		"$bin/gen" --db "$dir/gen.db" --patients "$2" --appointments "$3" --pool "$4" \
			--meta "$dir/gen.meta" || fail "the generator failed"
		echo "$key" >"$dir/gen.key"
	fi
	# Migrates the copy in place should the binary be newer than the data (idempotent).
	"$collagenda" init --db "$dir/gen.db" >"$dir/init.log" 2>&1 ||
		fail "collagenda init: $(cat "$dir/init.log")"
	if [ ! -s "$dir/search.txt" ]; then
		# What the desk types: a last name's first 3-5 letters, or "first last" prefixes.
		sqlite3 "$dir/gen.db" "SELECT substr(last_name, 1, 3 + abs(random()) % 3)
			FROM patients ORDER BY random() LIMIT 400;
			SELECT substr(first_name, 1, 3) || ' ' || substr(last_name, 1, 2)
			FROM patients ORDER BY random() LIMIT 100;" >"$dir/search.txt"
	fi
	if [ ! -s "$dir/plans.txt" ]; then
		# Active plans that still need a session: what the desk asks next slots for.
		sqlite3 "$dir/gen.db" "SELECT p.id FROM plans p WHERE p.status = 'active'
			AND (SELECT count(*) FROM appointments a WHERE a.plan_id = p.id
			     AND a.status IN ('booked', 'checked_in', 'completed')) < p.planned_sessions
			ORDER BY random() LIMIT 1000;" >"$dir/plans.txt"
	fi
	if [ ! -s "$dir/search.txt" ] || [ ! -s "$dir/plans.txt" ]; then
		fail "no query lists for $dir"
	fi
}

# ---- servers and wrk ----------------------------------------------------------------------

# wait_port PID FILE: the port from 'listening on http://127.0.0.1:PORT' in FILE.
wait_port() {
	local pid=$1 file=$2 port=""
	for _ in $(seq 1 600); do
		port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$file" 2>/dev/null)
		[ -n "$port" ] && {
			echo "$port"
			return 0
		}
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop PID: SIGTERM, then waits for a clean exit; PID leaves the cleanup list.
stop() {
	local pid=$1 rc=0 p left=()
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	for p in "${pids[@]}"; do
		[ "$p" = "$pid" ] || left+=("$p")
	done
	pids=("${left[@]}")
	[ "$rc" -eq 0 ] || fail "process $pid exited with status $rc after SIGTERM"
}

# settle PID: waits (up to 60 s) until the process uses no CPU, so that requests a
# finished wrk left in flight do not spill into the next measurement.
settle() {
	local pid=$1 a b
	for _ in $(seq 1 200); do
		a=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || return 0
		sleep 0.3
		b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || return 0
		[ $((b - a)) -le 1 ] && return 0
	done
	say "process $pid is still busy after 60 s"
}

# cpu_sample PID: sets cpu to "busy jiffies of the machine, of PID, of this shell's
# finished children (wrk)". Not in a subshell: times must see this shell's children.
cpu_sample() {
	local busy own kids
	busy=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $9 }' /proc/stat)
	own=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0)
	times >"$out/times.txt"
	# The second line is the children's user and system time, as 0m1.234s.
	kids=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m");
		t += p[1] * 60 + p[2] } printf "%d", t * 100 }' "$out/times.txt")
	cpu="$busy $own $kids"
}

# others_cpu BEFORE AFTER SECONDS: the share of the machine's CPU (percent; user, system
# and steal time, not interrupts, where loopback traffic is handled) that went to
# anything but the measured server and wrk while it ran.
others_cpu() {
	awk -v a="$1" -v b="$2" -v s="$3" -v n="$(nproc)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		o = (y[1] - x[1]) - (y[2] - x[2]) - (y[3] - x[3])
		printf "%.0f", (o < 0 ? 0 : o) / (s * 100 * n) * 100 }'
}

# measure NAME LABEL SCRIPT URL [PROBE]: runs wrk (after a warm-up in full mode) and
# appends "NAME|LABEL|req/s|2xx/s|201/s|p50 ms|p99 ms|requests|non-2xx|socket
# errors|statuses" to $results. Fails when no request got a 2xx answer; when none
# finished within the time at all, one request to PROBE (a path) must get a 2xx instead.
measure() {
	local name=$1 label=$2 script=$3 url=$4 probe=${5:-}
	local log=$out/wrk-$name.txt
	if [ "$warm" -gt 0 ] && [[ $name != book* ]]; then
		wrk -t"$threads" -c"$conns" -d"${warm}s" --timeout 60s -s "$lua/$script" "$url" >/dev/null 2>&1 ||
			fail "wrk warm-up for $label"
		settle "$target_pid"
	fi
	local d=$secs line c0 c1
	cpu_sample "$target_pid"
	c0=$cpu
	wrk -t"$threads" -c"$conns" -d"${d}s" --timeout 60s -s "$lua/$script" "$url" >"$log" 2>&1 ||
		fail "wrk for $label: $(tail -3 "$log")"
	cpu_sample "$target_pid"
	c1=$cpu
	settle "$target_pid"
	line=$(grep '^BENCH ' "$log") || fail "wrk printed no summary for $label: $(tail -3 "$log")"
	if [ "$mode" = full ] && [[ $line == "BENCH requests=0 "* ]]; then
		# Nothing finished in time: slower than $conns / $secs requests a second. Measure
		# over a longer window so that the number means something.
		d=$((secs * 4))
		say "$label: no request finished within ${secs}s; measuring over ${d}s"
		cpu_sample "$target_pid"
		c0=$cpu
		wrk -t"$threads" -c"$conns" -d"${d}s" --timeout 60s -s "$lua/$script" "$url" >"$log" 2>&1 ||
			fail "wrk for $label: $(tail -3 "$log")"
		cpu_sample "$target_pid"
		c1=$cpu
		settle "$target_pid"
		line=$(grep '^BENCH ' "$log") || fail "wrk printed no summary for $label"
		label="$label [${d} s]"
	fi
	local kv others
	others=$(others_cpu "$c0" "$c1" "$d")
	kv=$(echo "$line" | awk -v name="$name" -v label="$label" -v others="$others" '{
		for (i = 2; i <= NF; i++) { split($i, p, "="); v[p[1]] = p[2] }
		s = v["duration_us"] / 1e6
		ok = v["requests"] - v["non2xx"]
		n201 = 0
		m = split(v["statuses"], st, ",")
		for (i = 1; i <= m; i++) { split(st[i], c, ":"); if (c[1] == "201") n201 = c[2] }
		p50 = v["requests"] > 0 ? sprintf("%.2f", v["p50_us"] / 1000) : "-"
		p99 = v["requests"] > 0 ? sprintf("%.2f", v["p99_us"] / 1000) : "-"
		printf "%s|%s|%.1f|%.1f|%.1f|%s|%s|%d|%d|%d|%s|%s\n", name, label,
			v["requests"] / s, ok / s, n201 / s, p50, p99,
			v["requests"], v["non2xx"], v["socket_errors"], v["statuses"], others
	}')
	echo "$kv" >>"$results"
	IFS='|' read -r _ _ rps okps cps p50 p99 nreq non2xx serr statuses _ <<<"$kv"
	say "$(printf '%-34s %10s req/s  p50 %7s ms  p99 %8s ms  non-2xx %s  statuses %s  others %s%%' \
		"$label" "$rps" "$p50" "$p99" "$non2xx" "$statuses" "$others")"
	if [ "$nreq" -eq 0 ] && [ -n "$probe" ]; then
		local code root=${url%%/api/v1/*}
		code=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $BENCH_TOKEN" "${root%/}$probe") || code=000
		[[ $code == 2?? ]] || fail "$label: no request finished in ${secs}s, and $probe answered $code"
		say "$label: no request finished within ${secs}s; $probe answered $code"
	else
		[ "$nreq" -gt "$non2xx" ] || fail "$label: no 2xx answer in $nreq requests"
	fi
	if [[ $name == book* ]]; then
		[ "$(awk -v c="$cps" 'BEGIN { print (c > 0) }')" = 1 ] || fail "$label: no booking created (statuses $statuses)"
	fi
	: "$okps" "$serr"
}

# median_line PREFIX NAME LABEL [COLUMN]: the result line among those named PREFIX* with
# the median in COLUMN (3, req/s, unless given), renamed NAME and LABEL.
median_line() {
	local col=${4:-3}
	grep "^$1" "$results" | sort -t'|' -k"$col,$col"g |
		awk -F'|' -v OFS='|' -v name="$2" -v label="$3" '{ l[NR] = $0 }
		END { $0 = l[int((NR + 1) / 2)]; $1 = name; $2 = label; print }'
}

# serve DIR: copies DIR's dataset to a scratch database and starts the server on it;
# sets srv_pid, base and BENCH_TOKEN (the front desk's session).
serve() {
	local dir=$1
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
	cp "$dir/gen.db" "$dir/run.db"
	serve_on "$dir/run.db" "$dir"
}

# serve_on DB DIR: starts the server on DB (a file or a connection string) with DIR's
# dataset description; as serve.
serve_on() {
	local db=$1 dir=$2
	"$collagenda" serve --db "$db" --bind 127.0.0.1 --port 0 --tz UTC \
		--threads "$threads" --quiet >"$dir/server.out" 2>"$dir/server.err" &
	srv_pid=$!
	target_pid=$srv_pid
	pids+=("$srv_pid")
	local port
	port=$(wait_port "$srv_pid" "$dir/server.out") ||
		fail "the server did not start: $(tail -5 "$dir/server.err")"
	base=http://127.0.0.1:$port
	rss_start=$(peak_rss "$srv_pid")
	# shellcheck disable=SC1091
	. "$dir/gen.meta"
	local answer
	answer=$(curl -s --max-time 20 -X POST -H 'Content-Type: application/json' \
		-d "{\"username\":\"$DESK_USER\",\"password\":\"$DESK_PASSWORD\"}" "$base/api/v1/login") ||
		fail "login: no answer"
	BENCH_TOKEN=$(echo "$answer" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[ -n "$BENCH_TOKEN" ] || fail "login refused: $answer"
	export BENCH_TOKEN BENCH_WRK_THREADS=$threads BENCH_BOOK_OFFSET=0 \
		BENCH_PATIENTS=$PATIENTS BENCH_PLANS=$PLANS BENCH_SPAN_FIRST_UNIX=$SPAN_FIRST_UNIX \
		BENCH_SPAN_DAYS=$SPAN_DAYS BENCH_POOL_FIRST_PLAN=$POOL_FIRST_PLAN \
		BENCH_POOL_SIZE=$POOL_SIZE BENCH_BOOK_FIRST_UNIX=$BOOK_FIRST_UNIX BENCH_ROOMS=$ROOMS \
		BENCH_ROOM_FIRST_ID=$ROOM_FIRST_ID BENCH_PRACT_FIRST_ID=$PRACT_FIRST_ID \
		BENCH_SLOTS=$SLOTS BENCH_SLOT_MIN=$SLOT_MIN BENCH_DAY_START_MIN=$DAY_START_MIN \
		BENCH_SEARCH_FILE=$PWD/$dir/search.txt BENCH_PLAN_IDS_FILE=$PWD/$dir/plans.txt
}

# peak_rss PID, rss PID: the process's peak and current resident set in kB.
peak_rss() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# ---- the run --------------------------------------------------------------------------------

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
dataset full "${big[@]}"
dataset scale10k "${small[@]}"

# ceilings WHEN (before|after): the bare server under the same wrk load, and INSERT
# transactions from 1 and from $threads threads. Measured before and after the server
# runs; the ceiling is their mean, so that a change in the machine's load shows.
ceilings() {
	local when=$1
	say "ceiling ($when): bare libmicrohttpd, $threads threads, $conns connections, ${secs}s"
	"$bin/bare" --port 0 --threads "$threads" >"$out/bare.out" 2>"$out/bare.err" &
	local bare_pid=$!
	pids+=("$bare_pid")
	local bare_port
	bare_port=$(wait_port "$bare_pid" "$out/bare.out") || fail "the bare server did not start"
	target_pid=$bare_pid
	measure "bare_$when" "bare libmicrohttpd ($when)" plain.lua \
		"http://127.0.0.1:$bare_port/api/v1/health" /api/v1/health
	stop "$bare_pid"
	say "ceiling ($when): INSERT transactions, synchronous=FULL, ${secs}s"
	local n rate
	for n in 1 "$threads"; do
		"$bin/insert" --db "$out/insert.db" --seconds "$secs" --threads "$n" >"$out/insert.txt" ||
			fail "insert ($n threads)"
		cat "$out/insert.txt" >&2
		rate=$(sed -n 's/.*rows_per_s=\([0-9.]*\).*/\1/p' "$out/insert.txt")
		[ -n "$rate" ] || fail "insert printed no rate"
		echo "insert_${n}_$when|$rate" >>"$out/insert-rates.txt"
	done
	rm -f "$out/insert.db" "$out/insert.db-wal" "$out/insert.db-shm" "$out/insert.txt"
}
: >"$out/insert-rates.txt"
ceilings before

say "server on the full dataset ($out/full)"
serve "$out/full"
# /health against bare libmicrohttpd, in alternating rounds while both servers are up,
# so that the tightest ratio does not hang on one noisy measurement; the medians count.
"$bin/bare" --port 0 --threads "$threads" >"$out/bare.out" 2>"$out/bare.err" &
bare_pid=$!
pids+=("$bare_pid")
bare_port=$(wait_port "$bare_pid" "$out/bare.out") || fail "the bare server did not start"
for r in $(seq 1 "$rounds"); do
	target_pid=$bare_pid
	measure "bare_r$r" "bare libmicrohttpd (round $r)" plain.lua \
		"http://127.0.0.1:$bare_port/api/v1/health" /api/v1/health
	target_pid=$srv_pid
	measure "health_r$r" "GET /health (round $r)" plain.lua "$base/api/v1/health" /api/v1/health
done
stop "$bare_pid"
target_pid=$srv_pid
median_line health_r health "GET /health (median of $rounds)" >>"$results"
measure patient "GET /patients/{id}" patient.lua "$base/" /api/v1/patients/1
measure search "GET /patients?q=" search.lua "$base/" "/api/v1/patients?q=smi"
measure plan "GET /plans/{id}" plan.lua "$base/" /api/v1/plans/1
measure daysheet_r1 "GET /day-sheet?date= (round 1)" daysheet.lua "$base/" \
	"/api/v1/day-sheet?date=$SPAN_LAST"
measure recalls "GET /recalls?within_days=14" plain.lua "$base/api/v1/recalls?within_days=14" \
	"/api/v1/recalls?within_days=14"
measure nextslots "GET /plans/{id}/next-slots" nextslots.lua "$base/" \
	"/api/v1/plans/$(head -1 "$out/full/plans.txt")/next-slots"
measure book_r1 "POST /appointments (round 1)" book.lua "$base/api/v1/appointments"
rss_full=$(peak_rss "$srv_pid") rss_full_now=$(rss "$srv_pid") rss_full_start=$rss_start
stop "$srv_pid"
full_meta=$out/full/gen.meta

small_tag=$((small[1] / 1000))k
say "server on the $small_tag dataset ($out/scale10k)"
serve "$out/scale10k"
measure daysheet10k_r1 "GET /day-sheet?date= ($small_tag, round 1)" daysheet.lua "$base/" \
	"/api/v1/day-sheet?date=$SPAN_LAST"
measure book10k_r1 "POST /appointments ($small_tag, round 1)" book.lua \
	"$base/api/v1/appointments"
rss_small=$(peak_rss "$srv_pid") rss_small_now=$(rss "$srv_pid")
stop "$srv_pid"
small_meta=$out/scale10k/gen.meta

# The day sheet and booking at both scales in further alternating rounds, each on a fresh
# server (booking last, on the dataset as generated), so that the scale ratios do not hang
# on two measurements taken minutes apart on a shared machine; the medians count.
for r in $(seq 2 "$rounds"); do
	for ds in full scale10k; do
		serve "$out/$ds"
		tag="round $r" sfx=""
		if [ "$ds" = scale10k ]; then
			tag="$small_tag, round $r" sfx=10k
		fi
		measure "daysheet${sfx}_r$r" "GET /day-sheet?date= ($tag)" daysheet.lua "$base/" \
			"/api/v1/day-sheet?date=$SPAN_LAST"
		measure "book${sfx}_r$r" "POST /appointments ($tag)" book.lua "$base/api/v1/appointments"
		peak=$(peak_rss "$srv_pid")
		if [ "$ds" = full ]; then
			[ "$peak" -gt "$rss_full" ] && rss_full=$peak
		else
			[ "$peak" -gt "$rss_small" ] && rss_small=$peak
		fi
		stop "$srv_pid"
	done
done
{
	median_line daysheet_r daysheet "GET /day-sheet?date= (median of $rounds)"
	median_line daysheet10k_r daysheet10k "GET /day-sheet?date= ($small_tag, median of $rounds)"
	median_line book_r book "POST /appointments (median of $rounds)" 5
	median_line book10k_r book10k "POST /appointments ($small_tag, median of $rounds)" 5
} >>"$results"

ceilings after

# ---- photos: a 12-megapixel JPEG uploaded end to end, thumbnails served ------------------
# A server of its own on the demo clinic: the practitioner records the photo consent, then
# a 12-megapixel JPEG (smooth shapes and sensor-like noise, as a camera's) is uploaded
# three times, each timed by curl from the first byte sent to the answer (sandboxed
# decode, strip, three renditions, fsyncs, commit); the median counts. Then wrk reads one
# photo's thumbnail, each read an audited view.
photo_dir=$out/photos
rm -rf "$photo_dir"
mkdir -p "$photo_dir"
say "photos: a 12-megapixel upload and thumbnails ($photo_dir)"
command -v vips >/dev/null || fail "the photo benchmark needs vips (libvips-tools)"
{
	vips gaussnoise "$photo_dir/n.v" 4000 3000 --sigma 60 --mean 128 &&
		vips gaussblur "$photo_dir/n.v" "$photo_dir/b.v" 4 &&
		vips linear -- "$photo_dir/b.v" "$photo_dir/c.v" 3 -256 &&
		vips gaussnoise "$photo_dir/g.v" 4000 3000 --sigma 4 --mean 0 &&
		vips add "$photo_dir/c.v" "$photo_dir/g.v" "$photo_dir/d.v" &&
		vips bandjoin "$photo_dir/d.v $photo_dir/b.v $photo_dir/c.v" "$photo_dir/rgb.v" &&
		vips cast "$photo_dir/rgb.v" "$photo_dir/rgb8.v" uchar &&
		vips copy "$photo_dir/rgb8.v" "$photo_dir/photo12.jpg[Q=90]" &&
		vips resize "$photo_dir/rgb8.v" "$photo_dir/small.jpg[Q=90]" 0.16
} >"$photo_dir/make.log" 2>&1 || fail "cannot make the test photos: $(tail -3 "$photo_dir/make.log")"
rm -f "$photo_dir"/*.v
"$collagenda" serve --db "$photo_dir/c.db" --bind 127.0.0.1 --port 0 --tz UTC --demo \
	--threads "$threads" --quiet >"$photo_dir/server.out" 2>"$photo_dir/server.err" &
srv_pid=$!
target_pid=$srv_pid
pids+=("$srv_pid")
port=$(wait_port "$srv_pid" "$photo_dir/server.out") ||
	fail "the photo server did not start: $(tail -5 "$photo_dir/server.err")"
pbase=http://127.0.0.1:$port
ptoken=$(curl -s --max-time 20 -X POST -H 'Content-Type: application/json' \
	-d '{"username":"dr.reyes","password":"reyes-demo-2026"}' "$pbase/api/v1/login" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$ptoken" ] || fail "photo server: the practitioner's login failed"
curl -s --max-time 20 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ptoken" \
	-H 'Content-Type: application/json' \
	-d '{"scope":"photo_clinical","form_version":"v1","signed_name":"Bench Patient"}' \
	"$pbase/api/v1/patients/1/photo-consents" | grep -q 201 || fail "photo consent refused"
# upload FILE: prints "SECONDS ID", or fails.
upload() {
	local answer
	answer=$(curl -s --max-time 60 -X POST -H "Authorization: Bearer $ptoken" \
		-H 'Content-Type: image/jpeg' --data-binary "@$1" -w '\n%{http_code} %{time_total}' \
		"$pbase/api/v1/patients/1/photos?area=cheeks&angle=front&phase=before") ||
		fail "photo upload: no answer"
	local last=${answer##*$'\n'}
	[ "${last%% *}" = 201 ] || fail "photo upload answered $last: ${answer%$'\n'*}"
	echo "${last##* } $(echo "$answer" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p')"
}
: >"$photo_dir/uploads.txt"
for _ in 1 2 3; do
	upload "$photo_dir/photo12.jpg" >>"$photo_dir/uploads.txt"
done
photo_upload_s=$(cut -d' ' -f1 "$photo_dir/uploads.txt" | sort -g | sed -n 2p)
photo_mb=$(awk -v b="$(stat -c %s "$photo_dir/photo12.jpg")" 'BEGIN { printf "%.1f", b / 1048576 }')
thumb_id=$(upload "$photo_dir/small.jpg" | cut -d' ' -f2)
say "$(printf '%-34s %10s s (median of 3; %s MB JPEG)' "POST /patients/{id}/photos 12 MP" "$photo_upload_s" "$photo_mb")"
BENCH_TOKEN=$ptoken measure photo_thumb "GET /photos/{id}/thumb" plain.lua \
	"$pbase/api/v1/photos/$thumb_id/thumb" "/api/v1/photos/$thumb_id/thumb"
rss_photos=$(peak_rss "$srv_pid")
stop "$srv_pid"

# ---- PostgreSQL: the same dataset, moved with migrate-to into a throwaway cluster ------------
# Ceilings on the same cluster and settings (synchronous_commit on): single-row INSERT
# transactions and primary-key SELECTs from pgbench with as many clients as wrk has
# connections; then the server on it.
pgbin=${COLLAGENDA_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=$(mktemp -d -p /tmp)
chmod 0711 "$pg_dir"
pg_cleanup() { bash scripts/pg-cluster.sh stop "$pg_dir/cluster" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap 'cleanup; pg_cleanup' EXIT
say "PostgreSQL: a throwaway cluster in $pg_dir"
pg_uri=$(bash scripts/pg-cluster.sh start "$pg_dir/cluster" 2>"$out/pg-cluster.err") ||
	fail "no PostgreSQL cluster: $(tail -3 "$out/pg-cluster.err")"
pg_base=${pg_uri%/*}
psql -q "$pg_uri" -c "CREATE DATABASE bench" >/dev/null || fail "createdb"
pg_db=$pg_base/bench
say "PostgreSQL: migrate-to from $out/full/gen.db"
"$collagenda" migrate-to "$pg_db" --from "$out/full/gen.db" >"$out/pg-migrate.txt" 2>&1 ||
	fail "migrate-to: $(tail -5 "$out/pg-migrate.txt")"
psql -q "$pg_uri" -c "CREATE TABLE bench_insert (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at bigint NOT NULL, note text NOT NULL)" >/dev/null ||
	fail "the INSERT ceiling's table"
printf 'BEGIN;\nINSERT INTO bench_insert (at, note) VALUES (1, %s);\nCOMMIT;\n' "'a row of a bench'" >"$out/pg-insert.sql"
# shellcheck disable=SC1090
. "$full_meta"
printf '\\set id random(1, %d)\nSELECT id, mrn, first_name, last_name, date_of_birth FROM patients WHERE id = :id;\n' \
	"$PATIENTS" >"$out/pg-select.sql"
pgbench_tps() { # pgbench_tps FILE CLIENTS DB: transactions per second
	"$pgbin/pgbench" -n -T "$secs" -c "$2" -j "$([ "$2" -lt "$threads" ] && echo "$2" || echo "$threads")" \
		-f "$1" "$3" 2>"$out/pgbench.err" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | tail -1
}
pg_ins1=$(pgbench_tps "$out/pg-insert.sql" 1 "$pg_uri")
pg_inst=$(pgbench_tps "$out/pg-insert.sql" "$threads" "$pg_uri")
pg_insn=$(pgbench_tps "$out/pg-insert.sql" "$conns" "$pg_uri")
pg_sel=$(pgbench_tps "$out/pg-select.sql" "$conns" "$pg_db")
if [ -z "$pg_ins1" ] || [ -z "$pg_inst" ] || [ -z "$pg_insn" ] || [ -z "$pg_sel" ]; then
	fail "pgbench: $(tail -3 "$out/pgbench.err")"
fi
say "PostgreSQL ceilings: INSERT $pg_ins1/s (1 client), $pg_inst/s ($threads), $pg_insn/s ($conns); PK SELECT $pg_sel/s"
mkdir -p "$out/pg"
cp "$full_meta" "$out/pg/gen.meta"
cp "$out/full/search.txt" "$out/full/plans.txt" "$out/pg/"
serve_on "$pg_db" "$out/pg"
measure pg_patient "PostgreSQL: GET /patients/{id}" patient.lua "$base/" /api/v1/patients/1
measure pg_daysheet "PostgreSQL: GET /day-sheet?date=" daysheet.lua "$base/" \
	"/api/v1/day-sheet?date=$SPAN_LAST"
measure pg_book "PostgreSQL: POST /appointments" book.lua "$base/api/v1/appointments"
stop "$srv_pid"
pg_cleanup

# ---- the report -------------------------------------------------------------------------------

field() { awk -F'|' -v n="$1" -v c="$2" '$1 == n { print $c }' "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }
met() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
	if (v !~ /^[0-9.]+$/) { print "**not measured**"; exit }
	ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "met" : "**not met**" }'; }
fmt() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); r = ""
	while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
	print s r }'; }

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a + b) / 2 }'; }
insert_rate() { awk -F'|' -v n="$1" '$1 == n { v = $2 } END { print v }' "$out/insert-rates.txt"; }
bare_rps=$(median_line bare_ bare "bare libmicrohttpd (median)" | cut -d'|' -f3)
ins1=$(mean "$(insert_rate insert_1_before)" "$(insert_rate insert_1_after)")
insn=$(mean "$(insert_rate "insert_${threads}_before")" "$(insert_rate "insert_${threads}_after")")
big_tag=$(awk -v n="${big[1]}" 'BEGIN { print (n >= 1000000 ? n / 1000000 "M" : n / 1000 "k") }')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
# What else went into the binary: uncommitted changes under its sources, by folder.
dirty=$(git status --porcelain -- src include schema.sql openapi.json web tools 2>/dev/null |
	awk '{ split($2, p, "/"); n[p[1] (p[2] == "" ? "" : "/")]++ }
	END { for (d in n) { printf "%s%s (%d %s)", sep, d, n[d], n[d] == 1 ? "file" : "files"; sep = ", " } }')
[ -n "$dirty" ] && commit="$commit plus uncommitted changes in $dirty"
mhd=$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo "?")
sqlv=$(sqlite3 --version | cut -d' ' -f1)
wrkv=$(wrk -v 2>&1 | head -1 | cut -d' ' -f2 || true)
# shellcheck disable=SC1090
. "$small_meta"
small_line="$(fmt "$PATIENTS") patients, $(fmt "$APPOINTMENTS") appointments ($SPAN_FIRST .. $SPAN_LAST)"
# shellcheck disable=SC1090
. "$full_meta"
db_mb=$(awk -v b="$(stat -c %s "$out/full/gen.db")" 'BEGIN { printf "%.0f", b / 1048576 }')
rss_mb=$(awk -v a="$rss_full" -v b="$rss_small" 'BEGIN { printf "%.1f", (a > b ? a : b) / 1024 }')

{
	echo "# Benchmark results"
	echo
	if [ "$mode" = smoke ]; then
		echo "**Smoke run** (tiny dataset, ${secs} s per endpoint): checks the harness, not the numbers."
		echo
	fi
	echo "Measured by \`make bench\` (bench/run.sh $mode) on $started: the ceiling of our stack"
	echo "and the server, endpoint by endpoint, in one run on one machine. Server binary:"
	echo "\`$collagenda\` built at commit $commit."
	echo
	echo "## Machine"
	echo
	echo "- CPU: $cpu, $(nproc) cores (nproc); memory $mem; $(uname -sr)"
	echo "- libmicrohttpd $mhd, SQLite $sqlv (CLI; the server links the system library), wrk $wrkv"
	echo "- load average (1, 5, 15 min) before the run: $load_before; after: $load_after"
	echo
	echo "## Setup"
	echo
	echo "- Dataset: $(fmt "$PATIENTS") patients, $(fmt "$APPOINTMENTS") appointments from $SPAN_FIRST to"
	echo "  $SPAN_LAST (a tenth ahead of the run), $(fmt "$PLANS") plans ($(fmt "$POOL_SIZE") of them"
	echo "  without sessions, for the booking benchmark), $(fmt "$SESSION_RECORDS") signed session notes;"
	echo "  40 practitioners, 20 rooms. Generated by bench/gen in ${GEN_SECONDS} s; $db_mb MB on disk."
	echo "- Scale check dataset: $small_line, at the same daily density."
	echo "- Each server run works on a fresh copy of the dataset, TZ=UTC, \`--threads $threads\` (the"
	echo "  server's default here), logged in as the front desk (bearer token)."
	echo "- Load: \`wrk -t$threads -c$conns -d${secs}s\` per endpoint$([ "$warm" -gt 0 ] && echo " after a ${warm} s warm-up (reads)"); random ids,"
	echo "  dates and name prefixes (3-5 letters, or \"first last\" prefixes) drawn from the data."
	echo "- \"Others' CPU\": the share of the machine's CPU (user, system and steal time) that"
	echo "  went to anything but the measured server and wrk during a measurement: other work on"
	echo "  a shared machine. Rows where it is high are the least trustworthy."
	echo "- Booking: treatment sessions of active plans, each in a distinct free slot of a"
	echo "  practitioner's working hours in the weeks after the data; every rule is checked"
	echo "  (plan, age, screening, spacing, hours, conflicts). The rate counts 201 answers."
	echo "- Ceiling: bench/bare (libmicrohttpd with the server's flags, thread pool and limits,"
	echo "  a fixed ~200-byte JSON answer) under the same wrk load, and bench/insert (single-row"
	echo "  \`BEGIN IMMEDIATE; INSERT; COMMIT\` on a fresh database, WAL, synchronous=FULL):"
	echo "  $(fmt "$ins1") rows/s from 1 thread, $(fmt "$insn") rows/s from $threads threads behind one mutex."
	echo "  Both are measured before and after the server runs, and bare also in $rounds rounds"
	echo "  alternating with /health; the bare ceiling is the median of its runs, the INSERT"
	echo "  ceiling the mean of its runs from $threads threads."
	echo "- The day sheet and booking are measured in $rounds rounds at each scale, alternating"
	echo "  between the two datasets, each round on a fresh server (booking last); the medians"
	echo "  count, at both scales."
	echo
	echo "## Throughput and latency"
	echo
	echo "| endpoint | req/s | p50 ms | p99 ms | non-2xx | of the ceiling | others' CPU |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	while IFS='|' read -r name label rps okps cps p50 p99 nreq non2xx serr statuses others; do
		case "$name" in
		pg_*) continue ;;
		bare_*) ceil="$(ratio "$rps" "$bare_rps") % of the median" ;;
		book*) ceil="$(ratio "$cps" "$insn") % of INSERT" ;;
		*) ceil="$(ratio "$rps" "$bare_rps") %" ;;
		esac
		shown=$rps
		[[ $name == book* ]] && shown="$cps (201/s)"
		echo "| $label | $shown | $p50 | $p99 | $non2xx | $ceil | $others % |"
		: "$okps" "$nreq" "$serr" "$statuses"
	done <"$results"
	echo "| **ceiling: bare libmicrohttpd, median** | $bare_rps | | | | | |"
	for w in before after; do
		echo "| INSERT transaction, 1 thread ($w) | $(insert_rate "insert_1_$w") | | | | | |"
		echo "| INSERT transaction, $threads threads ($w) | $(insert_rate "insert_${threads}_$w") | | | | | |"
	done
	echo "| **ceiling: INSERT, $threads threads, mean** | $insn | | | | | |"
	echo
	echo "## PostgreSQL"
	echo
	echo "The same dataset, moved by \`collagenda migrate-to\` into a throwaway PostgreSQL 15"
	echo "cluster (scripts/pg-cluster.sh: fsync and synchronous_commit on, no standby) on the"
	echo "same machine, in the same run. Ceilings from pgbench on the same cluster: single-row"
	echo "\`BEGIN; INSERT; COMMIT\` transactions (1, $threads and $conns clients) and primary-key"
	echo "SELECTs ($conns clients). The booking target is set against the $threads-client INSERT"
	echo "ceiling, as SQLite's is against $threads writer threads: the server writes through"
	echo "$threads worker threads, one transaction at a time."
	echo
	echo "| | req/s | p50 ms | p99 ms | against |"
	echo "|---|--:|--:|--:|---|"
	for n in pg_patient pg_daysheet pg_book; do
		v=$(field "$n" 3)
		[ "$n" = pg_book ] && v=$(field "$n" 5)
		case "$n" in
		pg_patient) vs="$(ratio "$v" "$(field patient 3)") % of SQLite's server, $(ratio "$v" "$pg_sel") % of the PK SELECT ceiling" ;;
		pg_daysheet) vs="$(ratio "$v" "$(field daysheet 3)") % of SQLite's server" ;;
		pg_book) vs="$(ratio "$v" "$pg_inst") % of the $threads-client INSERT ceiling ($(ratio "$v" "$pg_insn") % of $conns clients), $(ratio "$v" "$(field book 5)") % of SQLite's server" ;;
		esac
		echo "| $(field "$n" 2)$([ "$n" = pg_book ] && echo " (201/s)") | $v | $(field "$n" 6) | $(field "$n" 7) | $vs |"
	done
	echo "| ceiling: INSERT transaction, 1 client | $pg_ins1 | | | |"
	echo "| ceiling: INSERT transaction, $threads clients | $pg_inst | | | |"
	echo "| ceiling: INSERT transaction, $conns clients | $pg_insn | | | |"
	echo "| ceiling: primary-key SELECT, $conns clients | $pg_sel | | | |"
	echo
	r=$(ratio "$(field pg_book 5)" "$pg_inst")
	echo "- PostgreSQL booking ≥ 70 % of its INSERT ceiling ($threads clients): $r % — $(met "$r" 70 ">=")"
	r=$(ratio "$(field pg_patient 3)" "$(field patient 3)")
	echo "- PostgreSQL reads ≥ 40 % of the SQLite server's: patient $r % — $(met "$r" 40 ">="); day sheet $(ratio "$(field pg_daysheet 3)" "$(field daysheet 3)") % — $(met "$(ratio "$(field pg_daysheet 3)" "$(field daysheet 3)")" 40 ">=")"
	echo
	echo "## Targets"
	echo
	echo "| target | measured | |"
	echo "|---|--:|---|"
	for t in "health:90" "patient:45" "search:25" "daysheet:15" "plan:30"; do
		n=${t%%:*} want=${t##*:}
		r=$(ratio "$(field "$n" 3)" "$bare_rps")
		echo "| $(field "$n" 2) ≥ $want % of bare | $r % | $(met "$r" "$want" ">=") |"
	done
	r=$(ratio "$(field book 5)" "$insn")
	echo "| booking 201/s ≥ 80 % of INSERT ($threads threads) | $r % ($(ratio "$(field book 5)" "$ins1") % of 1 thread) | $(met "$r" 80 ">=") |"
	for n in health patient search plan daysheet recalls nextslots; do
		p=$(field "$n" 7)
		echo "| $(field "$n" 2) p99 < 10 ms | $p ms | $(met "$p" 10 "<") |"
	done
	r=$(ratio "$(field daysheet 3)" "$(field daysheet10k 3)")
	echo "| day sheet at $big_tag ≥ 90 % of $small_tag | $r % | $(met "$r" 90 ">=") |"
	r=$(ratio "$(field book 5)" "$(field book10k 5)")
	echo "| booking at $big_tag ≥ 90 % of $small_tag | $r % | $(met "$r" 90 ">=") |"
	echo "| server peak RSS < 64 MB | $rss_mb MB | $(met "$rss_mb" 64 "<") |"
	echo "| photo upload, 12 MP JPEG ($photo_mb MB) end to end < 1 s | $photo_upload_s s | $(met "$photo_upload_s" 1 "<") |"
	echo "| photo thumbnails served ≥ 2,000/s | $(field photo_thumb 3) | $(met "$(field photo_thumb 3)" 2000 ">=") |"
	echo "| photo server peak RSS < 64 MB (the decoding child apart) | $(awk -v a="$rss_photos" 'BEGIN { printf "%.1f", a / 1024 }') MB | $(met "$(awk -v a="$rss_photos" 'BEGIN { printf "%.1f", a / 1024 }')" 64 "<") |"
	echo
	echo "![throughput against the ceiling]($(basename "$chart"))"
	echo
	echo "Peak RSS is VmHWM of the server process at the end of each run ($big_tag: $((rss_full / 1024)) MB,"
	echo "$small_tag: $((rss_small / 1024)) MB); it was already $((rss_full_start / 1024)) MB when the server had"
	echo "started, before the first request. VmRSS at the end: $((rss_full_now / 1024)) MB ($big_tag),"
	echo "$((rss_small_now / 1024)) MB ($small_tag). Raw wrk output: $out/wrk-*.txt."
} >"$report.tmp"
mv "$report.tmp" "$report"

# The chart: each endpoint's throughput beside its ceiling, log scale.
data=$out/chart.dat
{
	while IFS='|' read -r name label rps _ cps _; do
		case "$name" in
		bare_* | health_r* | daysheet*_r* | book*_r* | pg_* | photo_*) continue ;;
		book | book10k)
			label=${label% (median of*}
			label=${label/, median of $rounds)/)}
			echo "\"$label, 201/s\" $cps $insn"
			;;
		*)
			label=${label% (median of*}
			label=${label/, median of $rounds)/)}
			echo "\"${label/GET /}\" $rps $bare_rps"
			;;
		esac
	done <"$results"
} >"$data"
gnuplot <<EOF || fail "gnuplot"
set terminal svg size 960,540 dynamic font "sans,11" background "white"
set termoption noenhanced
set output "$chart"
set title "collagenda: throughput against the ceiling ($mode run, $(nproc) cores, $started)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1:*]
set ylabel "requests/s (booking: 201/s), log scale"
set xtics rotate by -30 nomirror font ",10"
set key below horizontal
set grid ytics
plot "$data" using 2:xtic(1) title "collagenda" linecolor rgb "#2b6cb0", \
     "" using 3 title "ceiling (bare libmicrohttpd; INSERT for booking)" linecolor rgb "#c0c0c0", \
     "" using (\$0 - 0.1667):(\$2 > 1 ? \$2 : 1):(sprintf("%.1f%%", 100 * \$2 / \$3)) \
        with labels offset 0,0.8 font ",9" notitle
EOF
# Patient messages (bench/messages.py): booking with and without its outbox rows, a month
# of a 40-practitioner chain queued, that month's reminders re-planned for a new offset,
# and the sender against the local SMTP server.
if [ "$mode" = full ]; then msg_n=8000; else msg_n=400; fi
/usr/bin/python3 bench/messages.py "$collagenda" "$out/messages" "$msg_n" >"$out/messages.txt" ||
	fail "patient messages benchmark"
msg() { awk -v k="$1" '$1 == k { print $2 }' "$out/messages.txt"; }
{
	echo
	echo "## Patient messages"
	echo
	echo "bench/messages.py, on fresh SQLite databases, 4 clients, 40 practitioners:"
	echo
	echo "- booking with its outbox rows (confirmation and reminder): $(msg book_with_outbox)/s;"
	echo "  the same bookings for patients without an address (no rows): $(msg book_without_outbox)/s"
	echo "  (ratio $(msg book_outbox_ratio), medians of 3 alternating rounds)"
	echo "- a month of the chain, $(msg month_bookings) bookings each with its messages queued:"
	echo "  $(msg month_seconds) s"
	echo "- re-planning that month for a new reminder offset (one PATCH /settings, 48 to 24"
	echo "  hours): $(msg replan_reminders) queued reminders moved in $(msg replan_seconds) s"
	echo "- the sender: $(msg sender_messages) confirmations delivered to the local SMTP server"
	echo "  (aiosmtpd) in $(msg sender_seconds) s: $(msg sender_rate) messages/s"
} >>"$report"
say "wrote $report and $chart"
