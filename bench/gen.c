/*
 * The benchmark's data generator: fills a database made by `collagenda init` with a
 * clinic chain's years of records — users, rooms, hours, patients, plans, screenings,
 * consents, appointments on a per-room slot grid, and signed session notes.
 *
 * The clinic-local day is the UTC day: run the server with TZ=UTC (or --tz UTC).
 *
 * The grid: each of the 20 rooms has twenty 30-minute slots from 08:00 to 18:00, Monday
 * to Saturday; room r's even slots belong to practitioner 2r and its odd slots to 2r+1,
 * so nothing ever overlaps for a room or a practitioner. A patient has at most one
 * appointment a day. Treatment sessions of a plan sit in its practitioner's slots 28-42
 * days apart. The span holds ~80% of the slots, whatever the scale (the days per year
 * stay as busy; a smaller dataset covers fewer days), and a tenth of it lies in the
 * future.
 *
 * A pool of plans without sessions (--pool) lets the booking benchmark book distinct
 * valid treatment slots in a range of weeks after the span; the meta file written by
 * --meta tells the harness where they are.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/text.h"
#include "util/secrets.h"

#define ROOMS	       20
#define PRACTS	       40
#define SLOTS	       20 /* per room and day */
#define SLOT_MIN       30
#define DAY_START_MIN  480
#define OCCUPANCY      0.8
#define TX_ROWS	       100000
#define ADMIN_ID       1
#define DESK_ID	       2
#define PRACT_FIRST_ID 3
#define DAY_S	       86400

static const char ADMIN_PASSWORD[] = "bench-admin-2026";
static const char DESK_PASSWORD[] = "bench-desk-2026";
static const char PRACT_PASSWORD[] = "bench-practitioner-2026";

/* ---- small helpers ---------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform integer in [lo, hi]. */
static int64_t rnd_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

/* Days since 1970-01-01 for a civil date, and back (H. Hinnant's algorithms). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void day_text(int64_t day, char out[11])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* ISO weekday, Monday = 1. 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
	int64_t w = (day + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

/* ---- progress ---------------------------------------------------------------------- */

static struct {
	int64_t total, done, next_draw;
	const char *phase;
	bool tty;
	struct timespec t0;
} prog;

static double elapsed_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - prog.t0.tv_sec) + (double)(t.tv_nsec - prog.t0.tv_nsec) / 1e9;
}

static void progress_draw(bool force)
{
	int pct = prog.total ? (int)(prog.done * 100 / prog.total) : 100;
	if (prog.tty) {
		char bar[41];
		int fill = pct * 40 / 100;
		for (int i = 0; i < 40; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[40] = '\0';
		fprintf(stderr, "\r[%s] %3d%% %10" PRId64 "/%" PRId64 " rows %6.1fs  %-22s", bar,
			pct, prog.done, prog.total, elapsed_s(), prog.phase);
	} else if (force) {
		fprintf(stderr, "gen: %3d%% %" PRId64 "/%" PRId64 " rows %.1fs %s\n", pct,
			prog.done, prog.total, elapsed_s(), prog.phase);
	}
}

static void progress_phase(const char *phase)
{
	prog.phase = phase;
	progress_draw(true);
}

static void progress_add(int64_t n)
{
	prog.done += n;
	if (prog.done >= prog.next_draw) {
		prog.next_draw = prog.done + (prog.total / 400 > 1000 ? prog.total / 400 : 1000);
		progress_draw(false);
	}
}

/* ---- SQLite -------------------------------------------------------------------------- */

static sqlite3 *db;
static int64_t tx_rows;

static void exec(const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare %s: %s", sql, sqlite3_errmsg(db));
	return st;
}

/* Steps an INSERT, resets it, and commits every TX_ROWS rows. */
static void step_row(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	progress_add(1);
	if (++tx_rows >= TX_ROWS) {
		exec("COMMIT");
		exec("BEGIN");
		tx_rows = 0;
	}
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int64_t query_int(const char *sql)
{
	sqlite3_stmt *st = prepare(sql);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* ---- the clinic's vocabulary ---------------------------------------------------------- */

static const char *const first_names[] = {
    "Emma",	 "Olivia",     "Ava",	    "Sophia",	"Isabella", "Mia",	 "Amelia",
    "Harper",	 "Evelyn",     "Abigail",   "Emily",	"Ella",	    "Charlotte", "Grace",
    "Chloe",	 "Victoria",   "Lily",	    "Hannah",	"Zoë",	    "Nora",	 "Layla",
    "Riley",	 "Aria",       "Scarlett",  "Maya",	"Leah",	    "Sarah",	 "Anna",
    "Laura",	 "Julia",      "Clara",	    "Elena",	"Lucía",    "Sofía",	 "Camila",
    "Valentina", "Renée",      "Chloé",	    "Léa",	"Inès",	    "Zoé",	 "Maëlle",
    "Søren",	 "Björn",      "Åsa",	    "Jürgen",	"Jörg",	    "Mária",	 "Zsófia",
    "Agnieszka", "Małgorzata", "Katarzyna", "Olga",	"Irina",    "Yuki",	 "Hana",
    "Mei",	 "Ling",       "Priya",	    "Ananya",	"Aisha",    "Fatima",	 "Layla",
    "Noor",	 "Amara",      "Chiamaka",  "Thandiwe", "Ngozi",    "James",	 "John",
    "Michael",	 "David",      "Daniel",    "Matthew",	"Andrew",   "Thomas",	 "Lucas",
    "Mateo",	 "Liam",       "Noah",	    "Ethan",	"Oliver",   "José",	 "Luis",
    "André",	 "François",   "Jean",	    "Pierre",	"Marco",    "Luca",	 "Giulia",
    "Francesca", "Siobhán",    "Aoife",	    "Niamh",	"Seán",	    "Eoin",	 "Kwame",
    "Kofi",	 "Arjun",      "Rohan",	    "Wei",	"Hiroshi",  "Minh",	 "Thảo",
};

static const char *const last_names[] = {
    "Smith",	 "Johnson",   "Williams",     "Brown",	   "Jones",	 "Garcia",   "Miller",
    "Davis",	 "Rodriguez", "Martinez",     "Hernandez", "Lopez",	 "Gonzalez", "Wilson",
    "Anderson",	 "Thomas",    "Taylor",	      "Moore",	   "Jackson",	 "Martin",   "Lee",
    "Perez",	 "Thompson",  "White",	      "Harris",	   "Sanchez",	 "Clark",    "Ramirez",
    "Lewis",	 "Robinson",  "Walker",	      "Young",	   "Allen",	 "King",     "Wright",
    "Scott",	 "Torres",    "Nguyen",	      "Hill",	   "Flores",	 "Green",    "Adams",
    "Nelson",	 "Baker",     "Hall",	      "Rivera",	   "Campbell",	 "Mitchell", "Carter",
    "Roberts",	 "O'Brien",   "O'Connor",     "McCarthy",  "Murphy",	 "Kelly",    "Byrne",
    "Müller",	 "Schmidt",   "Schneider",    "Fischer",   "Weber",	 "Meyer",    "Wagner",
    "Becker",	 "Schäfer",   "Köhler",	      "Dubois",	   "Lefèvre",	 "Girard",   "Bonnet",
    "Rossi",	 "Russo",     "Ferrari",      "Esposito",  "Bianchi",	 "Romano",   "García",
    "Fernández", "González",  "Rodríguez",    "López",	   "Martínez",	 "Sánchez",  "Pérez",
    "Jiménez",	 "Núñez",     "Kowalski",     "Nowak",	   "Wiśniewski", "Wójcik",   "Kowalczyk",
    "Novák",	 "Dvořák",    "Horváth",      "Nagy",	   "Kovács",	 "Szabó",    "Ivanova",
    "Petrova",	 "Andersson", "Johansson",    "Karlsson",  "Nilsson",	 "Larsen",   "Hansen",
    "Sørensen",	 "Jensen",    "Van der Berg", "de Vries",  "van Dijk",	 "Bakker",   "Janssen",
    "Tanaka",	 "Suzuki",    "Takahashi",    "Watanabe",  "Kim",	 "Park",     "Choi",
    "Chen",	 "Wang",      "Li",	      "Zhang",	   "Liu",	 "Patel",    "Shah",
    "Singh",	 "Kumar",     "Gupta",	      "Okafor",	   "Adeyemi",	 "Mensah",   "Haddad",
    "Khalil",	 "Nasser",    "Cohen",	      "Levi",	   "Friedman",	 "Trần",     "Phạm",
};

#define N_FIRST (sizeof first_names / sizeof first_names[0])
#define N_LAST	(sizeof last_names / sizeof last_names[0])

static const char *const types[] = {"MN", "MN_PRP", "PRP"};
static const bool type_prp[] = {false, true, true};

static const char *const indications[] = {"fine_lines",	   "acne_scars",	"scars",
					  "stretch_marks", "hyperpigmentation", "pores",
					  "rejuvenation"};
#define N_IND 7

struct area {
	const char *code;
	int max_hmm;
};
static const struct area areas[] = {
    {"forehead", 100}, {"periorbital", 50}, {"nose", 100},	{"cheeks", 200}, {"perioral", 100},
    {"chin_jaw", 150}, {"neck", 100},	    {"decollete", 100}, {"hands", 50},	 {"arms", 150},
    {"abdomen", 300},  {"thighs", 300},	    {"buttocks", 300},
};
enum {
	FOREHEAD,
	PERIORBITAL,
	NOSE,
	CHEEKS,
	PERIORAL,
	CHIN_JAW,
	NECK,
	DECOLLETE,
	HANDS,
	ARMS,
	ABDOMEN,
	THIGHS,
	BUTTOCKS
};

/* The areas that suit each indication, in order of how often they are treated. */
static const int ind_areas[N_IND][6] = {
    {PERIORBITAL, PERIORAL, FOREHEAD, NECK, -1},       /* fine_lines */
    {CHEEKS, CHIN_JAW, FOREHEAD, NOSE, -1},	       /* acne_scars */
    {CHEEKS, ARMS, ABDOMEN, CHIN_JAW, -1},	       /* scars */
    {ABDOMEN, THIGHS, BUTTOCKS, ARMS, -1},	       /* stretch_marks */
    {CHEEKS, FOREHEAD, DECOLLETE, HANDS, -1},	       /* hyperpigmentation */
    {NOSE, CHEEKS, FOREHEAD, CHIN_JAW, -1},	       /* pores */
    {CHEEKS, FOREHEAD, NECK, DECOLLETE, PERIORAL, -1}, /* rejuvenation */
};

static const char *const cautions[] = {"isotretinoin_12mo", "anticoagulants", "keloid_history",
				       "herpes_simplex",    "active_acne",    "sunburn",
				       "recent_retinoids"};

static const char *const numbing_products[] = {"EMLA 5%", "LMX4", "BLT cream", "Pliaglis"};
static const char *const device_models[] = {"Dermapen 4", "SkinPen Precision", "Exceed",
					    "Dr. Pen M8"};
static const char *const endpoints[] = {"erythema", "pinpoint_bleeding"};

/* ---- the simulation's records ---------------------------------------------------------- */

enum { K_CONSULTATION, K_TREATMENT, K_REVIEW };
static const char *const kind_names[] = {"consultation", "treatment", "review"};
enum { S_BOOKED, S_COMPLETED, S_CANCELLED, S_NO_SHOW };
static const char *const status_names[] = {"booked", "completed", "cancelled", "no_show"};

struct appt {
	int64_t start;
	int32_t patient;
	int32_t plan;  /* 1-based plan id, 0 for none */
	uint8_t pract; /* 0..PRACTS-1 */
	uint8_t room;  /* 0..ROOMS-1 */
	uint8_t kind;
	uint8_t status;
	uint8_t session_number; /* 0 for none */
	uint8_t late_cancel;
};

struct plan {
	int32_t patient;
	int64_t created_at;
	int64_t last_start; /* of the latest holding session */
	int32_t last_due;   /* the day the next session fell due */
	uint8_t pract;
	uint8_t type;
	uint8_t ind;
	uint8_t nareas;
	int8_t areas[3];
	uint8_t planned;
	uint8_t to_place; /* sessions the patient will come for: 3, or fewer when they drop */
	uint8_t holding;  /* sessions placed that hold a time */
	uint8_t completed;
	uint8_t future; /* holding sessions not yet past */
	char status;	/* 'a'ctive, 'c'ompleted, 'x' cancelled, 'h' on hold */
};

struct patient {
	int64_t dob_day;
	int64_t last_day; /* the last day with an appointment, to keep one a day */
	int64_t first_plan_at;
	int32_t first_plan_pract;
	int32_t consent_ids[3];
	int64_t consent_at[3];
	uint8_t caution; /* 0 none, else 1 + index into cautions */
	bool screened;
};

static struct appt *appts;
static size_t nappts, cap_appts;
static struct plan *plans;
static size_t nplans, cap_plans;
static struct patient *pats;

struct due {
	int32_t day;
	int32_t plan; /* 1-based */
};
struct heap {
	struct due *v;
	size_t n, cap;
};
static struct heap heaps[PRACTS];

static bool due_less(const struct due *a, const struct due *b)
{
	return a->day != b->day ? a->day < b->day : a->plan < b->plan;
}

static void heap_push(struct heap *h, struct due d)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	size_t i = h->n++;
	h->v[i] = d;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!due_less(&h->v[i], &h->v[p]))
			break;
		struct due t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static struct due heap_pop(struct heap *h)
{
	struct due top = h->v[0];
	h->v[0] = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && due_less(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && due_less(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		struct due t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

static struct appt *new_appt(void)
{
	if (nappts == cap_appts) {
		cap_appts = cap_appts ? cap_appts * 2 : 1024;
		appts = xrealloc(appts, cap_appts * sizeof *appts);
	}
	struct appt *a = &appts[nappts++];
	memset(a, 0, sizeof *a);
	return a;
}

static int32_t new_plan(void)
{
	if (nplans == cap_plans) {
		cap_plans = cap_plans ? cap_plans * 2 : 1024;
		plans = xrealloc(plans, cap_plans * sizeof *plans);
	}
	memset(&plans[nplans], 0, sizeof plans[nplans]);
	return (int32_t)++nplans;
}

static void choose_areas(struct plan *p)
{
	const int *list = ind_areas[p->ind];
	int n = 0;
	while (list[n] >= 0)
		n++;
	p->nareas = (uint8_t)rnd_range(1, 3);
	int start = (int)rnd_range(0, 1);
	for (int i = 0; i < p->nareas; i++)
		p->areas[i] = (int8_t)list[(start + i) % n];
}

static void init_plan(struct plan *p, int32_t patient, int pract, int64_t created_at)
{
	double u = rnd_unit();
	p->patient = patient;
	p->pract = (uint8_t)pract;
	p->type = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
	p->ind = (uint8_t)rnd_range(0, N_IND - 1);
	p->created_at = created_at;
	p->status = 'a';
	p->planned = 3;
	choose_areas(p);
}

/* ---- options ------------------------------------------------------------------------- */

struct opts {
	const char *db, *meta;
	int64_t patients, appointments, pool, seed, now;
};

static void usage(FILE *f)
{
	fputs("usage: gen --db PATH [--patients N] [--appointments M] [--pool K] [--seed S]\n"
	      "           [--now UNIX_SECONDS] [--meta FILE]\n"
	      "Fills a fresh database (made by `collagenda init --db PATH`) with a clinic\n"
	      "chain's records: 40 practitioners, 20 rooms, N patients (default 100000), M\n"
	      "appointments over the years up to ~a tenth of the span ahead (default 1000000),\n"
	      "and K plans without sessions for the booking benchmark (default 12000). The\n"
	      "clinic-local day is the UTC day. --meta writes what the harness needs to know\n"
	      "(ids, dates, logins) as shell variables.\n",
	      f);
}

static bool parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || !end || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	o->patients = 100000;
	o->appointments = 1000000;
	o->pool = 12000;
	o->seed = 1;
	o->now = (int64_t)time(NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		}
		bool ok = v != NULL;
		if (!ok)
			;
		else if (!strcmp(a, "--db"))
			o->db = v;
		else if (!strcmp(a, "--meta"))
			o->meta = v;
		else if (!strcmp(a, "--patients"))
			ok = parse_i64(v, 400, 50000000, &o->patients);
		else if (!strcmp(a, "--appointments"))
			ok = parse_i64(v, 100, 100000000, &o->appointments);
		else if (!strcmp(a, "--pool"))
			ok = parse_i64(v, 0, 10000000, &o->pool);
		else if (!strcmp(a, "--seed"))
			ok = parse_i64(v, 0, INT64_MAX, &o->seed);
		else if (!strcmp(a, "--now"))
			ok = parse_i64(v, 946684800, 4102444800, &o->now);
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "gen: bad option %s%s%s (--patients needs at least 400)\n",
				a, v ? " " : "", v ? v : "");
			usage(stderr);
			exit(2);
		}
		i++;
	}
	if (!o->db) {
		usage(stderr);
		exit(2);
	}
	/* Pool plan j belongs to patient j mod N + 1. A pool larger than N is made a multiple
	 * of N, so that bookings in slots on the same day never fall to the same patient. */
	if (o->pool > o->patients && o->pool % o->patients)
		o->pool += o->patients - o->pool % o->patients;
}

/* ---- the schedule ---------------------------------------------------------------------- */

struct span {
	int64_t first_day, end_day; /* [first_day, end_day) */
	int64_t today, now;
	int64_t working_days;
};

static bool adult_on(const struct patient *p, int64_t day)
{
	/* 18 years are at most 6575 days; one more keeps the check on the safe side. */
	return p->dob_day + 6576 <= day;
}

/* A random patient free on day, and an adult when adult is set; 0 when none was found. */
static int32_t pick_patient(int64_t npat, int64_t day, bool adult)
{
	for (int tries = 0; tries < 50; tries++) {
		int32_t id = (int32_t)rnd_range(1, npat);
		struct patient *p = &pats[id];
		if (p->last_day == day || (adult && !adult_on(p, day)))
			continue;
		return id;
	}
	return 0;
}

static int64_t slot_start(int64_t day, int slot)
{
	return day * DAY_S + (int64_t)(DAY_START_MIN + slot * SLOT_MIN) * 60;
}

/* The status of a visit at start: past visits happened, or were missed or cancelled. */
static uint8_t past_status(int64_t start, int64_t now, double missed)
{
	if (start >= now)
		return S_BOOKED;
	double u = rnd_unit();
	if (u < missed / 2)
		return S_CANCELLED;
	if (u < missed)
		return S_NO_SHOW;
	return S_COMPLETED;
}

/* Places one session of plan pid in practitioner pr's slot on day; returns whether it
 * holds the time (so the series goes on from it). */
static void place_session(int32_t pid, int pr, int64_t day, int slot, const struct span *sp)
{
	struct plan *p = &plans[pid - 1];
	struct appt *a = new_appt();
	a->start = slot_start(day, slot);
	a->patient = p->patient;
	a->plan = pid;
	a->pract = (uint8_t)pr;
	a->room = (uint8_t)(pr / 2);
	a->kind = K_TREATMENT;
	a->status = past_status(a->start, sp->now, 0.04);
	pats[p->patient].last_day = day;
	if (a->status == S_CANCELLED || a->status == S_NO_SHOW) {
		a->late_cancel = a->status == S_CANCELLED && rnd_unit() < 0.3;
		/* A missed session is rebooked within the week. */
		heap_push(&heaps[pr], (struct due){(int32_t)(day + rnd_range(2, 7)), pid});
		return;
	}
	p->holding++;
	a->session_number = p->holding;
	p->last_start = a->start;
	if (a->status == S_COMPLETED)
		p->completed++;
	else
		p->future++;
	if (p->holding < p->to_place) {
		int32_t due = (int32_t)(day + rnd_range(28, 42));
		p->last_due = due;
		heap_push(&heaps[pr], (struct due){due, pid});
	} else if (p->holding < 3) {
		p->last_due = (int32_t)(day + 28); /* the patient stops coming */
	}
}

static void simulate(const struct opts *o, struct span *sp)
{
	int64_t npat = o->patients;
	sp->now = o->now;
	sp->today = o->now / DAY_S;
	sp->working_days = (int64_t)((double)o->appointments / (OCCUPANCY * ROOMS * SLOTS) + 0.999);
	int64_t cal = sp->working_days * 7 / 6 + 1;
	sp->end_day = sp->today + cal / 10 + 1;
	sp->first_day = sp->end_day - cal;
	int64_t wd = 0;
	for (int64_t d = sp->first_day; d < sp->end_day; d++)
		wd += weekday(d) != 7;
	sp->working_days = wd;
	double per_pract_day = (double)o->appointments / ((double)wd * PRACTS);
	if (per_pract_day > SLOTS / 2)
		per_pract_day = SLOTS / 2;
	double want = 0;
	int64_t placed = 0;

	progress_phase("scheduling");
	for (int64_t day = sp->first_day; day < sp->end_day; day++) {
		if (weekday(day) == 7)
			continue;
		for (int pr = 0; pr < PRACTS; pr++) {
			struct heap *h = &heaps[pr];
			want += per_pract_day;
			int64_t c = (int64_t)(want + 0.5) - placed;
			if (c > SLOTS / 2)
				c = SLOTS / 2;
			if (c < 0)
				c = 0;
			if (placed + c > o->appointments)
				c = o->appointments - placed;
			/* This practitioner's slots today, shuffled; the first c are used. */
			int slots[SLOTS / 2];
			for (int i = 0; i < SLOTS / 2; i++)
				slots[i] = 2 * i + (pr & 1);
			for (int i = SLOTS / 2 - 1; i > 0; i--) {
				int j = (int)rnd_range(0, i), t = slots[i];
				slots[i] = slots[j];
				slots[j] = t;
			}
			int used = 0;
			struct due later[SLOTS];
			int nlater = 0;
			/* Sessions that fall due come first. */
			while (used < c && h->n > 0 && h->v[0].day <= day && nlater < SLOTS) {
				struct due d = heap_pop(h);
				if (pats[plans[d.plan - 1].patient].last_day == day) {
					later[nlater++] = (struct due){(int32_t)(day + 1), d.plan};
					continue;
				}
				place_session(d.plan, pr, day, slots[used++], sp);
			}
			for (int i = 0; i < nlater; i++)
				heap_push(h, later[i]);
			/* Then new series, consultations and reviews. */
			while (used < c) {
				int slot = slots[used];
				int64_t start = slot_start(day, slot);
				double u = rnd_unit();
				if (u < 1.0 / 3) {
					int32_t pat = pick_patient(npat, day, true);
					if (pat) {
						int32_t pid = new_plan();
						struct plan *p = &plans[pid - 1];
						init_plan(p, pat, pr,
							  start - rnd_range(1, 21) * DAY_S);
						double v = rnd_unit();
						p->to_place = v < 0.03 ? 1 : v < 0.06 ? 2 : 3;
						if (!pats[pat].first_plan_at) {
							pats[pat].first_plan_at = p->created_at;
							pats[pat].first_plan_pract = pr;
						}
						place_session(pid, pr, day, slot, sp);
						used++;
						continue;
					}
				}
				int32_t pat = pick_patient(npat, day, false);
				if (!pat)
					break;
				struct appt *a = new_appt();
				a->start = start;
				a->patient = pat;
				a->pract = (uint8_t)pr;
				a->room = (uint8_t)(pr / 2);
				a->kind = rnd_unit() < 0.6 ? K_CONSULTATION : K_REVIEW;
				a->status = past_status(start, sp->now, 0.06);
				a->late_cancel = a->status == S_CANCELLED && rnd_unit() < 0.3;
				pats[pat].last_day = day;
				used++;
			}
			placed += used;
		}
		prog.done = placed;
		progress_add(0);
	}
	prog.done = 0;
	prog.next_draw = 0;

	/* Where each series stands now. */
	for (size_t i = 0; i < nplans; i++) {
		struct plan *p = &plans[i];
		if (p->completed >= 3)
			p->status = 'c';
		else if (p->future == 0 && p->holding < 3 && p->holding >= p->to_place &&
			 p->last_due < sp->today - 60)
			/* Long gone without a word: the clinic closed or paused the series. */
			p->status = rnd_unit() < 0.6 ? 'x' : 'h';
	}
}

/* ---- writing ------------------------------------------------------------------------- */

/* With the server's own settings, so that a login never has to make the hash anew. */
static void hash_password(const char *pw, char out[SECRETS_PWHASH_LEN])
{
	if (secrets_hash_password(pw, out) != 0)
		die("cannot hash a password");
}

static void write_users(int64_t now)
{
	char h_admin[SECRETS_PWHASH_LEN], h_desk[SECRETS_PWHASH_LEN], h_pract[SECRETS_PWHASH_LEN];
	hash_password(ADMIN_PASSWORD, h_admin);
	hash_password(DESK_PASSWORD, h_desk);
	hash_password(PRACT_PASSWORD, h_pract);
	sqlite3_stmt *st = prepare("INSERT INTO users (id, username, display_name, role, "
				   "password_hash, active, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
				   "1, ?6)");
	char user[32], name[128];
	for (int i = 0; i < 2 + PRACTS; i++) {
		sqlite3_bind_int64(st, 1, i + 1);
		sqlite3_bind_int64(st, 6, now - 3650 * (int64_t)DAY_S);
		if (i == 0) {
			bind_text(st, 2, "admin");
			bind_text(st, 3, "Clinic Admin");
			bind_text(st, 4, "admin");
			bind_text(st, 5, h_admin);
		} else if (i == 1) {
			bind_text(st, 2, "desk");
			bind_text(st, 3, "Front Desk");
			bind_text(st, 4, "front_desk");
			bind_text(st, 5, h_desk);
		} else {
			int k = i - 2;
			snprintf(user, sizeof user, "pract%02d", k + 1);
			snprintf(name, sizeof name, "%s %s %s", k % 3 == 2 ? "Nurse" : "Dr.",
				 first_names[(k * 7) % N_FIRST], last_names[(k * 11) % N_LAST]);
			bind_text(st, 2, user);
			bind_text(st, 3, name);
			bind_text(st, 4, "practitioner");
			bind_text(st, 5, h_pract);
		}
		step_row(st);
	}
	sqlite3_finalize(st);

	st = prepare("INSERT INTO rooms (id, name, active) VALUES (?1, ?2, 1)");
	for (int r = 0; r < ROOMS; r++) {
		snprintf(name, sizeof name, "Treatment room %d", r + 1);
		sqlite3_bind_int64(st, 1, r + 1);
		bind_text(st, 2, name);
		step_row(st);
	}
	sqlite3_finalize(st);

	st = prepare("INSERT INTO availability (practitioner_id, weekday, start_min, end_min) "
		     "VALUES (?1, ?2, 480, 1080)");
	for (int p = 0; p < PRACTS; p++)
		for (int w = 1; w <= 6; w++) {
			sqlite3_bind_int64(st, 1, PRACT_FIRST_ID + p);
			sqlite3_bind_int64(st, 2, w);
			step_row(st);
		}
	sqlite3_finalize(st);
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == ' ' || *s == '\'')
			return false;
	return true;
}

/* A patient's search keys, as store/patients.c keeps them (schema version 17): name
 * prefixes in patient_prefixes, phone tails in patient_keys. */
static void write_keys(sqlite3_stmt *st, sqlite3_stmt *prefix, int64_t id, const char *fk,
		       const char *lk, const char *phone_key)
{
	static struct text_keys keys;
	if (!text_patient_keys(fk, lk, phone_key, &keys))
		die("cannot make the search keys of patient %" PRId64, id);
	for (size_t i = 0; i < keys.n; i++) {
		if (keys.kind[i] == TEXT_KEY_PREFIX) {
			bind_text(prefix, 1, keys.key[i]);
			sqlite3_bind_int64(prefix, 2, id);
			bind_text(prefix, 3, lk);
			bind_text(prefix, 4, fk);
			step_row(prefix);
			continue;
		}
		sqlite3_bind_int64(st, 1, keys.kind[i]);
		bind_text(st, 2, keys.key[i]);
		sqlite3_bind_int64(st, 3, id);
		bind_text(st, 4, lk);
		bind_text(st, 5, fk);
		step_row(st);
	}
}

static void write_patients(const struct opts *o, const struct span *sp)
{
	sqlite3_stmt *keys = prepare(
	    "INSERT INTO patient_keys (kind, key, patient_id, last_key, first_key, archived) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT DO NOTHING");
	sqlite3_stmt *prefixes = prepare(
	    "INSERT INTO patient_prefixes (prefix, patient_id, last_key, first_key, archived) "
	    "VALUES (?1, ?2, ?3, ?4, 0)");
	sqlite3_stmt *st = prepare(
	    "INSERT INTO patients (id, mrn, first_name, last_name, first_key, last_key, "
	    "date_of_birth, phone, phone_key, email, fitzpatrick, notes, archived, created_at, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?13)");
	progress_phase("patients");
	for (int64_t id = 1; id <= o->patients; id++) {
		const char *first = first_names[rnd() % N_FIRST];
		const char *last = last_names[rnd() % N_LAST];
		char fk[128], lk[128], mrn[24], dob[11], phone[32], rev[32], email[300];
		if (!text_fold(first, fk, sizeof fk) || !text_fold(last, lk, sizeof lk))
			die("cannot fold a name");
		text_mrn(id, mrn, sizeof mrn);
		day_text(pats[id].dob_day, dob);
		snprintf(phone, sizeof phone, "+1 555 %03d %04d", (int)rnd_range(100, 999),
			 (int)rnd_range(0, 9999));
		text_phone_key(phone, rev, sizeof rev);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, mrn);
		bind_text(st, 3, first);
		bind_text(st, 4, last);
		bind_text(st, 5, fk);
		bind_text(st, 6, lk);
		bind_text(st, 7, dob);
		bind_text(st, 8, phone);
		bind_text(st, 9, rev);
		if (rnd_unit() < 0.7) {
			if (is_ascii(fk) && is_ascii(lk))
				snprintf(email, sizeof email, "%s.%s%" PRId64 "@example.com", fk,
					 lk, id);
			else
				snprintf(email, sizeof email, "patient%" PRId64 "@example.org", id);
			bind_text(st, 10, email);
		}
		if (rnd_unit() < 0.8)
			sqlite3_bind_int64(st, 11, rnd_range(1, 6));
		if (rnd_unit() < 0.05)
			bind_text(st, 12, "Prefers afternoon appointments.");
		int64_t created = sp->first_day * DAY_S + rnd_range(0, 30 * DAY_S);
		sqlite3_bind_int64(st, 13, created);
		step_row(st);
		write_keys(keys, prefixes, id, fk, lk, rev);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(keys);
	sqlite3_finalize(prefixes);
}

/* Screenings for every patient who has a plan or may get a pool plan, and a consent for
 * each treatment type they are treated with. */
static void write_screenings_consents(const struct opts *o, const struct span *sp)
{
	sqlite3_stmt *scr = prepare("INSERT INTO screenings (id, patient_id, recorded_at, "
				    "recorded_by, notes) VALUES (?1, ?2, ?3, ?4, NULL)");
	sqlite3_stmt *cond =
	    prepare("INSERT INTO screening_conditions (screening_id, condition) VALUES (?1, ?2)");
	sqlite3_stmt *con = prepare(
	    "INSERT INTO consents (id, patient_id, treatment_type, form_version, signed_name, "
	    "signed_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	sqlite3_stmt *name = prepare("SELECT first_name || ' ' || last_name FROM patients "
				     "WHERE id = ?1");
	progress_phase("screenings, consents");
	int64_t pool_pats = o->pool < o->patients ? o->pool : o->patients;
	int64_t sid = 0, cid = 0;
	for (int64_t id = 1; id <= o->patients; id++) {
		struct patient *p = &pats[id];
		if (!p->first_plan_at && id > pool_pats)
			continue;
		int64_t at = p->first_plan_at ? p->first_plan_at - DAY_S : sp->now - 30 * DAY_S;
		sqlite3_bind_int64(scr, 1, ++sid);
		sqlite3_bind_int64(scr, 2, id);
		sqlite3_bind_int64(scr, 3, at);
		sqlite3_bind_int64(scr, 4, PRACT_FIRST_ID + p->first_plan_pract);
		step_row(scr);
		p->screened = true;
		if (rnd_unit() < 0.04) {
			p->caution = (uint8_t)(1 + rnd() % (sizeof cautions / sizeof cautions[0]));
			sqlite3_bind_int64(cond, 1, sid);
			bind_text(cond, 2, cautions[p->caution - 1]);
			step_row(cond);
		}
	}
	/* A consent per patient and treatment type, signed when the first such plan was made. */
	for (size_t i = 0; i < nplans; i++) {
		struct plan *pl = &plans[i];
		struct patient *p = &pats[pl->patient];
		if (p->consent_ids[pl->type])
			continue;
		p->consent_ids[pl->type] = (int32_t)++cid;
		p->consent_at[pl->type] = pl->created_at;
		sqlite3_bind_int64(name, 1, pl->patient);
		if (sqlite3_step(name) != SQLITE_ROW)
			die("patient %d is missing", pl->patient);
		char signed_name[256];
		snprintf(signed_name, sizeof signed_name, "%s",
			 (const char *)sqlite3_column_text(name, 0));
		sqlite3_reset(name);
		sqlite3_bind_int64(con, 1, cid);
		sqlite3_bind_int64(con, 2, pl->patient);
		bind_text(con, 3, types[pl->type]);
		bind_text(con, 4, pl->type == 0 ? "MN-2019-3" : "PRP-2020-2");
		bind_text(con, 5, signed_name);
		sqlite3_bind_int64(con, 6, pl->created_at);
		sqlite3_bind_int64(con, 7, PRACT_FIRST_ID + pl->pract);
		step_row(con);
	}
	sqlite3_finalize(scr);
	sqlite3_finalize(cond);
	sqlite3_finalize(con);
	sqlite3_finalize(name);
}

static void write_plans(size_t from, size_t to, const char *phase)
{
	static const char status_sql[] = {'a', 'c', 'x', 'h'};
	static const char *const status_text[] = {"active", "completed", "cancelled", "on_hold"};
	sqlite3_stmt *st = prepare(
	    "INSERT INTO plans (id, patient_id, treatment_type, indication, planned_sessions, "
	    "min_interval_days, max_interval_days, practitioner_id, status, notes, created_at, "
	    "created_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?9, 28, 42, ?5, ?6, NULL, ?7, ?5, "
	    "?8)");
	sqlite3_stmt *ar = prepare("INSERT INTO plan_areas (plan_id, area) VALUES (?1, ?2)");
	progress_phase(phase);
	for (size_t i = from; i < to; i++) {
		const struct plan *p = &plans[i];
		const char *status = "active";
		for (size_t k = 0; k < sizeof status_sql; k++)
			if (p->status == status_sql[k])
				status = status_text[k];
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_int64(st, 2, p->patient);
		bind_text(st, 3, types[p->type]);
		bind_text(st, 4, indications[p->ind]);
		sqlite3_bind_int64(st, 5, PRACT_FIRST_ID + p->pract);
		bind_text(st, 6, status);
		sqlite3_bind_int64(st, 7, p->created_at);
		sqlite3_bind_int64(st, 8,
				   p->last_start > p->created_at ? p->last_start : p->created_at);
		sqlite3_bind_int64(st, 9, p->planned);
		step_row(st);
		for (int k = 0; k < p->nareas; k++) {
			sqlite3_bind_int64(ar, 1, (int64_t)i + 1);
			bind_text(ar, 2, areas[p->areas[k]].code);
			step_row(ar);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ar);
}

static void write_appointments(void)
{
	sqlite3_stmt *st = prepare(
	    "INSERT INTO appointments (id, patient_id, plan_id, session_number, kind, "
	    "practitioner_id, room_id, start_at, end_at, status, late_cancel, override_reason, "
	    "cancel_reason, notes, created_at, created_by, updated_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, NULL, ?13, ?14, ?15)");
	sqlite3_stmt *rec = prepare(
	    "INSERT INTO session_records (appointment_id, status, screening_confirmed_at, "
	    "caution_reviewed, consent_id, numbing_product, numbing_applied_at, "
	    "numbing_removed_at, device, device_model, cartridge_lot, prp_blood_ml10, "
	    "prp_spin_minutes, prp_spin_rcf, prp_ml10, prp_route, prp_kit_lot, endpoint, "
	    "aftercare_given, notes, signed_by, signed_at, created_at, updated_at, updated_by) "
	    "VALUES (?1, 'signed', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, ?17, 1, NULL, ?18, ?19, ?20, ?19, ?18)");
	sqlite3_stmt *sa =
	    prepare("INSERT INTO session_areas (appointment_id, position, area, "
		    "depth_hmm, passes, override_reason) VALUES (?1, ?2, ?3, ?4, ?5, "
		    "NULL)");
	progress_phase("appointments, sessions");
	for (size_t i = 0; i < nappts; i++) {
		const struct appt *a = &appts[i];
		int64_t id = (int64_t)i + 1;
		int64_t end = a->start + SLOT_MIN * 60;
		int64_t created = a->start - rnd_range(1, 35) * DAY_S;
		int64_t pract = PRACT_FIRST_ID + a->pract;
		int64_t updated = a->status == S_BOOKED ? created : end;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, a->patient);
		if (a->plan)
			sqlite3_bind_int64(st, 3, a->plan);
		if (a->session_number)
			sqlite3_bind_int64(st, 4, a->session_number);
		bind_text(st, 5, kind_names[a->kind]);
		sqlite3_bind_int64(st, 6, pract);
		sqlite3_bind_int64(st, 7, 1 + a->room);
		sqlite3_bind_int64(st, 8, a->start);
		sqlite3_bind_int64(st, 9, end);
		bind_text(st, 10, status_names[a->status]);
		sqlite3_bind_int64(st, 11, a->late_cancel);
		if (a->status == S_CANCELLED)
			bind_text(st, 12, "Patient called to cancel.");
		sqlite3_bind_int64(st, 13, created);
		sqlite3_bind_int64(st, 14, DESK_ID);
		sqlite3_bind_int64(st, 15, updated);
		step_row(st);
		if (a->kind != K_TREATMENT || a->status != S_COMPLETED)
			continue;

		/* The signed note; its areas go first, while the record is not yet signed. */
		const struct plan *p = &plans[a->plan - 1];
		const struct patient *pt = &pats[a->patient];
		for (int k = 0; k < p->nareas; k++) {
			int max = areas[p->areas[k]].max_hmm;
			sqlite3_bind_int64(sa, 1, id);
			sqlite3_bind_int64(sa, 2, k);
			bind_text(sa, 3, areas[p->areas[k]].code);
			sqlite3_bind_int64(sa, 4, 5 * rnd_range(4, max / 5));
			sqlite3_bind_int64(sa, 5, rnd_range(2, 4));
			step_row(sa);
		}
		int y, m, d;
		civil_from_days(a->start / DAY_S, &y, &m, &d);
		char lot[32], kit[32];
		snprintf(lot, sizeof lot, "CRT-%02d%02d-%02d", y % 100, m, a->pract % 7 + 1);
		snprintf(kit, sizeof kit, "PRP-%02d%02d-%02d", y % 100, m, a->room % 5 + 1);
		sqlite3_bind_int64(rec, 1, id);
		sqlite3_bind_int64(rec, 2, a->start + 300);
		sqlite3_bind_int64(rec, 3, pt->caution ? 1 : 0);
		sqlite3_bind_int64(rec, 4, pt->consent_ids[p->type]);
		bind_text(rec, 5, numbing_products[a->patient % 4]);
		sqlite3_bind_int64(rec, 6, a->start - 1500);
		sqlite3_bind_int64(rec, 7, a->start + 60);
		double u = rnd_unit();
		bind_text(rec, 8, u < 0.9 ? "pen" : u < 0.97 ? "stamp" : "roller");
		bind_text(rec, 9, device_models[a->pract % 4]);
		bind_text(rec, 10, lot);
		if (type_prp[p->type]) {
			sqlite3_bind_int64(rec, 11, 200);
			sqlite3_bind_int64(rec, 12, rnd_range(5, 10));
			sqlite3_bind_int64(rec, 13, 1500);
			sqlite3_bind_int64(rec, 14, rnd_range(40, 60));
			bind_text(rec, 15, p->type == 2 ? "injected" : "topical");
			bind_text(rec, 16, kit);
		}
		bind_text(rec, 17, endpoints[rnd() % 2]);
		sqlite3_bind_int64(rec, 18, pract);
		sqlite3_bind_int64(rec, 19, end + 600);
		sqlite3_bind_int64(rec, 20, a->start);
		step_row(rec);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(rec);
	sqlite3_finalize(sa);
}

/* Whether table has a column named col (the schema moves forward; the generator follows). */
static bool has_column(const char *table, const char *col)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
		 table, col);
	return query_int(sql) > 0;
}

/* Schema version 4 keeps each plan's progress on the plan row (holding, completed, pending,
 * last_start, next_due_at), as the server refreshes it with every change to its sessions. */
static void write_plan_progress(void)
{
	if (!has_column("plans", "next_due_at"))
		return;
	sqlite3_stmt *st = prepare("UPDATE plans SET holding = ?2, completed = ?3, pending = ?4, "
				   "last_start = ?5, next_due_at = ?6 WHERE id = ?1");
	progress_phase("plan progress");
	for (size_t i = 0; i < nplans; i++) {
		const struct plan *p = &plans[i];
		if (!p->holding)
			continue;
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_int64(st, 2, p->holding);
		sqlite3_bind_int64(st, 3, p->completed);
		sqlite3_bind_int64(st, 4, p->future);
		sqlite3_bind_int64(st, 5, p->last_start);
		if (p->status == 'a' && p->holding < p->planned && p->future == 0)
			sqlite3_bind_int64(st, 6, p->last_start + 28 * (int64_t)DAY_S);
		step_row(st);
	}
	sqlite3_finalize(st);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct span sp;
	parse_opts(argc, argv, &o);
	rng_state ^= (uint64_t)o.seed * 0x9E3779B97F4A7C15ULL;
	if (!rng_state)
		rng_state = 1;
	prog.tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &prog.t0);
	if (secrets_init() != 0)
		die("libsodium does not start");

	if (access(o.db, R_OK | W_OK) != 0)
		die("%s: %s (create it with `collagenda init --db %s`)", o.db, strerror(errno),
		    o.db);
	if (sqlite3_open_v2(o.db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("cannot open %s: %s", o.db, sqlite3_errmsg(db));
	exec("PRAGMA busy_timeout = 5000");
	if (query_int("PRAGMA user_version") < 1 || query_int("SELECT count(*) FROM areas") < 1)
		die("%s has no schema: run `collagenda init --db %s` first", o.db, o.db);
	if (query_int("SELECT count(*) FROM users") != 0 ||
	    query_int("SELECT count(*) FROM patients") != 0)
		die("%s already has users or patients: give a fresh database", o.db);
	/* Bulk loading: no journal, no syncs, one big cache; WAL comes back at the end. */
	exec("PRAGMA journal_mode = OFF");
	exec("PRAGMA synchronous = OFF");
	exec("PRAGMA foreign_keys = OFF");
	exec("PRAGMA locking_mode = EXCLUSIVE");
	exec("PRAGMA temp_store = MEMORY");
	exec("PRAGMA cache_size = -524288");

	pats = xmalloc(((size_t)o.patients + 1) * sizeof *pats);
	int64_t lo = days_from_civil(1940, 1, 1), hi = days_from_civil(2006, 12, 31);
	for (int64_t id = 1; id <= o.patients; id++) {
		pats[id].dob_day = rnd_range(lo, hi);
		pats[id].last_day = INT64_MIN;
	}
	prog.total = o.appointments;
	simulate(&o, &sp);
	size_t regular_plans = nplans;
	/* The booking pool: plans without sessions, patient j mod N for plan j; a series of
	 * six (as for deep acne scars): the booking benchmark comes round to a plan every
	 * pool / 400 working days (35 calendar days for 12,000), up to six times. */
	for (int64_t j = 0; j < o.pool; j++) {
		int32_t pid = new_plan();
		int32_t pat = (int32_t)(j % o.patients + 1);
		init_plan(&plans[pid - 1], pat, (int)(j % PRACTS),
			  o.now - rnd_range(1, 60) * DAY_S);
		plans[pid - 1].planned = 6;
	}

	int64_t nrec = 0, nsa = 0, nareas = 0;
	for (size_t i = 0; i < nappts; i++)
		if (appts[i].kind == K_TREATMENT && appts[i].status == S_COMPLETED) {
			nrec++;
			nsa += plans[appts[i].plan - 1].nareas;
		}
	for (size_t i = 0; i < nplans; i++)
		nareas += plans[i].nareas;
	int64_t nscr = 0;
	for (int64_t id = 1; id <= o.patients; id++)
		nscr += pats[id].first_plan_at || id <= o.pool;
	int64_t nstarted = 0;
	for (size_t i = 0; i < nplans; i++)
		nstarted += plans[i].holding > 0;
	prog.total = 2 + PRACTS + ROOMS + 6 * PRACTS + o.patients + nscr + nscr / 20 + nstarted +
		     (int64_t)nplans + nareas + (int64_t)nplans / 2 + (int64_t)nappts + nrec + nsa;
	prog.done = 0;

	exec("BEGIN");
	progress_phase("users, rooms, hours");
	write_users(o.now);
	write_patients(&o, &sp);
	write_plans(0, nplans, "plans");
	write_screenings_consents(&o, &sp);
	write_appointments();
	/* Each appointment carries its patient's and plan's labels, as a booking writes them. */
	exec("UPDATE appointments SET (patient_first_name, patient_last_name, patient_mrn) = "
	     "(SELECT first_name, last_name, mrn FROM patients p WHERE p.id = "
	     "appointments.patient_id), "
	     "(plan_treatment_type, plan_planned_sessions) = (SELECT treatment_type, "
	     "planned_sessions "
	     "FROM plans pl WHERE pl.id = appointments.plan_id)");
	write_plan_progress();
	exec("COMMIT");
	prog.done = prog.total;
	progress_phase("done");
	if (prog.tty)
		fputc('\n', stderr);

	exec("PRAGMA locking_mode = NORMAL");
	exec("PRAGMA journal_mode = WAL");
	int64_t counts[6] = {
	    query_int("SELECT count(*) FROM patients"),
	    query_int("SELECT count(*) FROM appointments"),
	    query_int("SELECT count(*) FROM plans"),
	    query_int("SELECT count(*) FROM session_records"),
	    query_int("SELECT count(*) FROM screenings"),
	    query_int("SELECT count(*) FROM consents"),
	};
	int64_t kinds[3], future = query_int("SELECT count(*) FROM appointments WHERE status = "
					     "'booked'");
	for (int k = 0; k < 3; k++) {
		char q[128];
		snprintf(q, sizeof q, "SELECT count(*) FROM appointments WHERE kind = '%s'",
			 kind_names[k]);
		kinds[k] = query_int(q);
	}
	sqlite3_close(db);

	char first[11], last[11], book[11];
	day_text(sp.first_day, first);
	day_text(sp.end_day - 1, last);
	/* The booking range starts on the first Monday four weeks after the span. */
	int64_t book_day = sp.end_day + 28;
	while (weekday(book_day) != 1)
		book_day++;
	day_text(book_day, book);
	fprintf(stderr,
		"gen: %" PRId64 " patients, %" PRId64 " appointments (%" PRId64
		" treatments, %" PRId64 " consultations, %" PRId64 " reviews; %" PRId64
		" booked ahead), %" PRId64 " plans (%zu in the booking pool), %" PRId64
		" signed session notes, %" PRId64 " screenings, %" PRId64
		" consents; %s .. %s; %.1f s\n",
		counts[0], counts[1], kinds[1], kinds[0], kinds[2], future, counts[2],
		nplans - regular_plans, counts[3], counts[4], counts[5], first, last, elapsed_s());

	if (o.meta) {
		FILE *f = fopen(o.meta, "w");
		if (!f)
			die("cannot write %s: %s", o.meta, strerror(errno));
		fprintf(f,
			"# Written by bench/gen: what the benchmark harness needs to know.\n"
			"PATIENTS=%" PRId64 "\nAPPOINTMENTS=%" PRId64 "\nPLANS=%" PRId64
			"\nSESSION_RECORDS=%" PRId64 "\nREGULAR_PLANS=%zu\nPOOL_FIRST_PLAN=%zu\n"
			"POOL_SIZE=%" PRId64 "\nSPAN_FIRST=%s\nSPAN_LAST=%s\n"
			"SPAN_FIRST_UNIX=%" PRId64 "\nSPAN_DAYS=%" PRId64 "\nBOOK_FIRST_DAY=%s\n"
			"BOOK_FIRST_UNIX=%" PRId64 "\nROOM_FIRST_ID=1\nROOMS=%d\n"
			"PRACT_FIRST_ID=%d\nPRACTS=%d\nSLOTS=%d\nSLOT_MIN=%d\nDAY_START_MIN=%d\n"
			"DESK_USER=desk\nDESK_PASSWORD=%s\nADMIN_USER=admin\nADMIN_PASSWORD=%s\n"
			"GENERATED_AT=%" PRId64 "\nGEN_SECONDS=%.1f\n",
			counts[0], counts[1], counts[2], counts[3], regular_plans,
			regular_plans + 1, o.pool, first, last, sp.first_day * DAY_S,
			sp.end_day - sp.first_day, book, book_day * DAY_S, ROOMS, PRACT_FIRST_ID,
			PRACTS, SLOTS, SLOT_MIN, DAY_START_MIN, DESK_PASSWORD, ADMIN_PASSWORD,
			o.now, elapsed_s());
		if (fclose(f) != 0)
			die("cannot write %s", o.meta);
	}
	free(appts);
	free(plans);
	free(pats);
	for (int p = 0; p < PRACTS; p++)
		free(heaps[p].v);
	return 0;
}
