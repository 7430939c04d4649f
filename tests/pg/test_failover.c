/* Failover on PostgreSQL. A primary and a synchronous streaming standby (made by
 * scripts/pg-cluster.sh); the server is given both hosts with target_session_attrs=
 * read-write. Bookings and audited chart reads run from several threads; the primary is
 * killed with SIGKILL; while no primary is reachable every write answers 503
 * storage_unavailable and no chart read is answered unaudited; the standby is promoted,
 * the server finds it by itself, and every booking acknowledged before the kill is on the
 * new primary with the audit chain intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define V1	     "/api/v1"
#define THREADS	     4
#define MAX_ACKED    4096
#define MAX_REQUESTS 400

static struct server srv;
static char dir[64], primary_dir[96], standby_dir[96];
static char conninfo[256];
static char *t_desk, *t_prac, *t_admin;
static struct lane lanes[THREADS];
static long long patients[THREADS];
static time_t first_slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static long long acked[MAX_ACKED];
static int n_acked, next_slot[THREADS], unexpected;
static volatile int stop_workers;

/* Runs scripts/pg-cluster.sh with args; its one line of output into out (may be NULL). */
static void cluster(const char *args, char *out, size_t n)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "bash scripts/pg-cluster.sh %s", args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[256] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	int rc = pclose(p);
	if (rc != 0)
		fail_msg("pg-cluster.sh %s failed (%d)", args, rc);
	line[strcspn(line, "\n")] = '\0';
	if (out)
		snprintf(out, n, "%s", line);
}

/* The port of a postgresql://user@host:PORT/db URI. */
static int port_of(const char *uri)
{
	const char *colon = strrchr(uri, ':');
	return colon ? atoi(colon + 1) : 0;
}

static struct resp *book(int t)
{
	int slot = next_slot[t]++;
	time_t s = first_slot + (time_t)slot * 900;
	char start[32], end[32];
	fx_instant(s, start);
	fx_instant(s + 900, end);
	return reqf(&srv, "POST", V1 "/appointments", t_desk,
		    "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
		    "\"room_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
		    patients[t], lanes[t].prac, lanes[t].room, start, end);
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < MAX_REQUESTS && !stop_workers; i++) {
		struct resp *r = book(t);
		pthread_mutex_lock(&lock);
		if (r->status == 201 && n_acked < MAX_ACKED)
			acked[n_acked++] = jint(r->json, "id");
		else if (r->status != 503)
			unexpected++;
		pthread_cond_broadcast(&more);
		pthread_mutex_unlock(&lock);
		resp_free(r);
	}
	return NULL;
}

static void acknowledged_bookings_survive_failover(void **state)
{
	(void)state;
	/* Book for a while, then pull the primary's plug. */
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t), 0);
	pthread_mutex_lock(&lock);
	while (n_acked < 60)
		pthread_cond_wait(&more, &lock);
	pthread_mutex_unlock(&lock);
	char args[256];
	snprintf(args, sizeof args, "kill %s", primary_dir);
	cluster(args, NULL, 0);
	stop_workers = 1;
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	int before = n_acked;
	assert_int_equal(unexpected, 0);

	/* No primary: writes are refused as storage faults, chart reads are not answered. */
	struct resp *r = book(0);
	if (r->status != 503)
		server_dump_log(&srv);
	fx_expect_error(r, 503, "storage_unavailable");
	resp_free(r);
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", patients[0]);
	r = req(&srv, "GET", path, t_prac, NULL);
	if (r->status != 503)
		server_dump_log(&srv);
	fx_expect_error(r, 503, "storage_unavailable");
	resp_free(r);

	/* The standby takes over; the server finds it on its own. */
	snprintf(args, sizeof args, "promote %s", standby_dir);
	cluster(args, NULL, 0);
	long long id = 0;
	for (int tries = 0; tries < 200 && !id; tries++) {
		r = book(1);
		if (r->status == 201)
			id = jint(r->json, "id");
		else
			assert_int_equal(r->status, 503);
		resp_free(r);
		if (!id) {
			struct timespec nap = {0, 50 * 1000 * 1000};
			nanosleep(&nap, NULL);
		}
	}
	assert_true(id > 0);

	/* Every booking acknowledged before the kill is on the new primary. */
	for (int i = 0; i < before; i++) {
		snprintf(path, sizeof path, V1 "/appointments/%lld", acked[i]);
		r = req(&srv, "GET", path, t_desk, NULL);
		if (r->status != 200)
			print_error("acknowledged appointment %lld is missing\n", acked[i]);
		assert_int_equal(r->status, 200);
		resp_free(r);
	}
	snprintf(path, sizeof path, V1 "/patients/%lld", patients[0]);
	r = req(&srv, "GET", path, t_prac, NULL);
	if (r->status != 200)
		server_dump_log(&srv);
	fx_expect_status(r, 200);
	print_message("  %d bookings acknowledged before the primary was killed, all on the "
		      "promoted standby\n",
		      before);
	assert_int_equal(server_stop(&srv), 0);
	fx_expect_intact(conninfo);
}

static int setup(void **state)
{
	(void)state;
	if (chdir(getenv("COLLAGENDA_SRC") ? getenv("COLLAGENDA_SRC") : ".") != 0)
		return -1;
	fx_mkdtemp(dir, sizeof dir, "/tmp/collagenda-failover-");
	if (chmod(dir, 0711) != 0)
		return -1;
	snprintf(primary_dir, sizeof primary_dir, "%s/primary", dir);
	snprintf(standby_dir, sizeof standby_dir, "%s/standby", dir);
	char uri1[256], uri2[256], args[256];
	snprintf(args, sizeof args, "start %s", primary_dir);
	cluster(args, uri1, sizeof uri1);
	snprintf(args, sizeof args, "standby %s %s", primary_dir, standby_dir);
	cluster(args, uri2, sizeof uri2);
	snprintf(conninfo, sizeof conninfo,
		 "host=127.0.0.1,127.0.0.1 port=%d,%d user=collagenda dbname=collagenda "
		 "target_session_attrs=read-write connect_timeout=2",
		 port_of(uri1), port_of(uri2));
	server_start_on(&srv, conninfo, NULL);
	t_admin = login(&srv, "admin", PW_ADMIN);
	t_desk = login(&srv, "desk", PW_DESK);
	t_prac = login(&srv, "prac", PW_PRAC);
	first_slot = fx_time(1, 0, 0);
	for (int t = 0; t < THREADS; t++) {
		char name[32];
		snprintf(name, sizeof name, "fo%d", t);
		lanes[t] = fx_lane(&srv, t_admin, name);
		patients[t] = fx_patient(&srv, t_desk, "Fail", name, "1980-05-05");
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(&srv);
	char args[256];
	snprintf(args, sizeof args, "stop %s", standby_dir);
	cluster(args, NULL, 0);
	snprintf(args, sizeof args, "stop %s", primary_dir);
	cluster(args, NULL, 0);
	rmdir(dir);
	char log[400];
	snprintf(log, sizeof log, "%s", srv.log);
	unlink(log);
	rmdir(srv.dir);
	free(t_admin);
	free(t_desk);
	free(t_prac);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(acknowledged_bookings_survive_failover),
	};
	return cmocka_run_group_tests_name("pg_failover", tests, setup, teardown);
}
