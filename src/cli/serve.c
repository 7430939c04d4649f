/* collagenda serve: open the database, start the HTTP server, stop cleanly on a signal. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include <unistd.h>

#include "api/api.h"
#include "api/outbox.h"
#include "cli/cli.h"
#include "options.h"
#include "domain/dates.h"
#include "domain/text.h"
#include "http/http.h"
#include "msg/sms.h"
#include "image/sandbox.h"
#include "store/audit.h"
#include "store/anchor.h"
#include "store/db.h"
#include "store/files.h"
#include "store/photos.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/secrets.h"
#include "util/smtp.h"
#include "util/xalloc.h"

static const char usage[] =
    "usage: collagenda serve [--db PATH|CONNINFO] [--bind ADDR] [--port N] [--tz ZONE]\n"
    "                        [--tls-cert FILE --tls-key FILE] [--threads N]\n"
    "                        [--idle-timeout SECONDS] [--user NAME] [--max-db-size MB]\n"
    "                        [--request-deadline SECONDS] [--anchor FILE]\n"
    "                        [--sms-url URL --sms-token-file FILE [--sms-preset json|twilio]\n"
    "                         [--sms-from SENDER] [--sms-timeout SECONDS]]\n"
    "                        [--photos DIR]\n"
    "                        [--smtp-url URL [--smtp-insecure] [--smtp-ca-file FILE]\n"
    "                         [--smtp-user NAME [--smtp-password-file FILE]]\n"
    "                         --mail-from ADDRESS]\n"
    "                        [--public-url URL] [--clinic-name NAME] [--test-clock]\n"
    "                        [--demo] [--quiet]\n"
    "\n"
    "Serves the API under /api/v1 until SIGINT or SIGTERM, then finishes the requests\n"
    "in flight and exits 0. --port 0 picks a free port; either way the address is\n"
    "printed as 'listening on http://ADDR:PORT'. --tz sets the clinic's time zone\n"
    "(default: the TZ of the process). --demo fills an empty database with a demo\n"
    "clinic and prints its logins. --user (when started as root) drops to that user\n"
    "after binding and opening the database, which it hands to that user.\n"
    "--max-db-size caps the database file; writes beyond it answer 503.\n"
    "--request-deadline (default 30) cuts a connection whose request head has not\n"
    "arrived, or whose request has not ended, within that many seconds.\n"
    "--db takes an SQLite file or a PostgreSQL connection string. --anchor names the file\n"
    "that anchors the audit trail (default: PATH.audit-head beside an SQLite file; a\n"
    "PostgreSQL database has none unless given). --photos names the folder of the clinical\n"
    "photos' files (default: PATH.photos beside an SQLite file; a PostgreSQL database needs\n"
    "it for photos to be taken).\n"
    "--sms-url names the SMS gateway patients' text messages go through; the token (for\n"
    "twilio, ACCOUNT_SID:AUTH_TOKEN) is read from --sms-token-file. --sms-preset json\n"
    "(the default) posts {\"to\", \"text\"} as JSON with a bearer token; twilio posts a form\n"
    "with basic authentication and needs --sms-from. --sms-timeout (default 15) bounds\n"
    "each request. Without --sms-url text messages stay queued.\n"
    "--smtp-url (smtp://HOST:PORT, which must offer STARTTLS unless --smtp-insecure, or\n"
    "smtps://HOST:PORT) sends the patients' e-mail from --mail-from; without it e-mail\n"
    "stays queued. The server's certificate is checked against the system's CAs, or those\n"
    "of --smtp-ca-file (PEM). --smtp-user logs in with the password in\n"
    "--smtp-password-file (its first line). --public-url is the address patients reach\n"
    "for the links in them.\n"
    "--test-clock lets POST /api/v1/test/clock move the server's clock (tests only).\n"
    "defaults: --db " DEFAULT_DB " --bind 127.0.0.1 --port 8080\n";

/* A zone name must name a file of the system's zone database: TZ would otherwise fall
 * back to UTC without a word. */
static bool zone_exists(const char *zone)
{
	char path[PATH_MAX];
	struct stat st;
	if (!zone || !*zone || zone[0] == '/' || strstr(zone, ".."))
		return false;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Hands the database files to pw and becomes that user for good. */
static int drop_privileges(const char *name, const char *db_path)
{
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		log_error("no such user '%s'", name);
		return -1;
	}
	if (geteuid() != 0) {
		log_warn("--user %s ignored: not running as root", name);
		return 0;
	}
	/* The database's files (and the anchor beside them) become the user's; a PostgreSQL
	 * database has none here. */
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3 && !db_is_remote(db_path); i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
		if (chown(path, pw->pw_uid, pw->pw_gid) != 0 && i == 0) {
			log_error("cannot hand %s to %s", path, name);
			return -1;
		}
	}
	/* The photos' folder too, made now if it is not there: the user writes into it. */
	const char *photos = store_photo_dir();
	if (photos && ((mkdir(photos, 0700) != 0 && errno != EEXIST) ||
		       chown(photos, pw->pw_uid, pw->pw_gid) != 0)) {
		log_error("cannot hand the photo folder to %s", name);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		log_error("cannot become user %s", name);
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("privileges could be regained after dropping them");
		return -1;
	}
	log_info("running as %s", name);
	return 0;
}

/* The clinic's zone by name, for clients that show and enter local times: --tz, else
 * TZ, else what /etc/localtime links to; NULL when none of them says. */
static const char *zone_name(const char *tz)
{
	static char linked[PATH_MAX];
	if (tz && *tz)
		return tz;
	const char *env = getenv("TZ");
	if (env && *env && env[0] != ':' && zone_exists(env))
		return env;
	ssize_t n = readlink("/etc/localtime", linked, sizeof linked - 1);
	if (n <= 0)
		return NULL;
	linked[n] = '\0';
	const char *p = strstr(linked, "zoneinfo/");
	return p && zone_exists(p + 9) ? p + 9 : NULL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 1024 * 1024)
		buf_append(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* Checks the SMS gateway's settings and keeps its client for the senders; fails, saying
 * why, on a setting that cannot work. */
static int start_sms(const char *url, const char *token_file, const char *preset, const char *from,
		     unsigned long timeout_s)
{
	char *token = NULL;
	if (!sms_preset_parse(preset)) {
		fprintf(stderr, "collagenda serve: --sms-preset is json or twilio\n");
		return -1;
	}
	if (!token_file) {
		fprintf(stderr, "collagenda serve: --sms-url needs --sms-token-file\n");
		return -1;
	}
	if (sms_read_token_file(token_file, &token) != 0)
		return -1;
	struct sms_config cfg = {
	    .url = url,
	    .token = token,
	    .preset = sms_preset_parse(preset),
	    .from = from,
	    .timeout_ms = (long)timeout_s * 1000,
	};
	struct sms_client *c = NULL;
	int err = sms_client_new(&cfg, &c);
	memset(token, 0, strlen(token));
	free(token);
	if (err)
		return -1;
	sms_gateway_set(c);
	log_info("text messages go through the %s gateway", preset);
	return 0;
}

int cli_serve(int argc, char **argv)
{
	const char *db_path = DEFAULT_DB, *bind = "127.0.0.1", *tz = NULL;
	const char *cert_path = NULL, *key_path = NULL, *run_as = NULL, *anchor = NULL;
	const char *sms_url = NULL, *sms_token_file = NULL, *sms_preset = "json", *sms_from = NULL;
	const char *photos = NULL;
	unsigned long port = 8080, threads = 0, idle = 1800, max_mb = 0, deadline = 0;
	unsigned long sms_timeout = 15;
	bool demo = false, quiet = false, test_hooks = false, test_clock = false;
	bool smtp_insecure = false;
	const char *smtp_url = NULL, *smtp_user = NULL, *smtp_pw_file = NULL, *mail_from = NULL;
	const char *smtp_ca_file = NULL;
	const char *public_url = NULL, *clinic_name = NULL;
	const struct cli_option opts[] = {
	    {"db", .text = &db_path},
	    {"bind", .text = &bind},
	    {"port", .number = &port, .max = 65535, .range = "0-65535"},
	    {"tz", .text = &tz},
	    {"tls-cert", .text = &cert_path},
	    {"tls-key", .text = &key_path},
	    /* 0, the default, lets the HTTP layer choose. */
	    {"threads", .number = &threads, .max = 64, .range = "1-64"},
	    {"idle-timeout", .number = &idle, .min = 1, .max = 86400, .range = "1-86400"},
	    {"demo", .flag = &demo},
	    {"user", .text = &run_as},
	    {"max-db-size", .number = &max_mb, .min = 1, .max = 1024 * 1024,
	     .range = "megabytes, 1 or more"},
	    {"request-deadline", .number = &deadline, .min = 1, .max = 3600, .range = "1-3600"},
	    {"quiet", .flag = &quiet},
	    {"anchor", .text = &anchor},
	    {"sms-url", .text = &sms_url},
	    {"sms-token-file", .text = &sms_token_file},
	    {"sms-preset", .text = &sms_preset},
	    {"sms-from", .text = &sms_from},
	    {"sms-timeout", .number = &sms_timeout, .min = 1, .max = 120, .range = "1-120"},
	    {"photos", .text = &photos},
	    /* For the tests only: lets COLLAGENDA_TEST_IMAGE_HOOK crash the image child. */
	    {"test-hooks", .flag = &test_hooks},
	    {"smtp-url", .text = &smtp_url},
	    {"smtp-insecure", .flag = &smtp_insecure},
	    {"smtp-ca-file", .text = &smtp_ca_file},
	    {"smtp-user", .text = &smtp_user},
	    {"smtp-password-file", .text = &smtp_pw_file},
	    {"mail-from", .text = &mail_from},
	    {"public-url", .text = &public_url},
	    {"clinic-name", .text = &clinic_name},
	    {"test-clock", .flag = &test_clock},
	};
	int code;
	if (!cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], 0, usage, &code))
		return code;
	if ((!cert_path) != (!key_path)) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	if (quiet)
		log_set_quiet(1);
	if (tz && !zone_exists(tz)) {
		fprintf(stderr, "collagenda serve: unknown time zone '%s'\n", tz);
		return CLI_USAGE;
	}
	dates_set_zone(tz);
	if ((sms_token_file || sms_from) && !sms_url) {
		fprintf(stderr,
			"collagenda serve: --sms-token-file and --sms-from need --sms-url\n");
		return CLI_USAGE;
	}
	if (sms_url && start_sms(sms_url, sms_token_file, sms_preset, sms_from, sms_timeout) != 0)
		return CLI_USAGE;
	if (smtp_url && strncmp(smtp_url, "smtp://", 7) != 0 &&
	    strncmp(smtp_url, "smtps://", 8) != 0) {
		fprintf(stderr,
			"collagenda serve: --smtp-url is smtp://HOST:PORT or smtps://HOST:PORT\n");
		return CLI_USAGE;
	}
	if ((smtp_ca_file || smtp_user || smtp_pw_file || smtp_insecure) && !smtp_url) {
		fprintf(stderr, "collagenda serve: the --smtp-* options need --smtp-url\n");
		return CLI_USAGE;
	}
	if (smtp_pw_file && !smtp_user) {
		fprintf(stderr, "collagenda serve: --smtp-password-file needs --smtp-user\n");
		return CLI_USAGE;
	}
	if (smtp_ca_file && access(smtp_ca_file, R_OK) != 0) {
		fprintf(stderr, "collagenda serve: cannot read --smtp-ca-file %s\n", smtp_ca_file);
		return CLI_USAGE;
	}
	if (smtp_url && (!mail_from || !text_valid_email(mail_from))) {
		fprintf(stderr, "collagenda serve: --smtp-url needs --mail-from ADDRESS\n");
		return CLI_USAGE;
	}
	if (public_url && strncmp(public_url, "http://", 7) != 0 &&
	    strncmp(public_url, "https://", 8) != 0) {
		fprintf(stderr, "collagenda serve: --public-url is http(s)://HOST[:PORT][/PATH]\n");
		return CLI_USAGE;
	}
	if (test_clock)
		clock_enable_test();
	if (smtp_global_init() != 0) {
		log_error("cannot initialise libcurl");
		return CLI_FAIL;
	}
	if (secrets_init() != 0) {
		log_error("cannot initialise libsodium");
		return CLI_FAIL;
	}

	char *cert = NULL, *key = NULL, *smtp_pw = NULL;
	if (smtp_pw_file) {
		smtp_pw = read_file(smtp_pw_file);
		if (!smtp_pw) {
			log_error("cannot read the SMTP password file");
			return CLI_FAIL;
		}
		smtp_pw[strcspn(smtp_pw, "\r\n")] = '\0';
	}
	if (cert_path) {
		cert = read_file(cert_path);
		key = read_file(key_path);
		if (!cert || !key) {
			log_error("cannot read the TLS certificate or key");
			free(cert);
			free(key);
			return CLI_FAIL;
		}
	}

	/* Block the stop signals before any thread starts, so that every thread inherits
	 * the mask and only sigwait below takes them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = CLI_FAIL, held = -1;
	/* SQLite's default page is 4 KiB. */
	db_set_max_pages((int64_t)max_mb * 256);
	store_anchor_use(anchor);
	store_photo_dir_use(photos, db_path);
	image_sandbox_test_hooks(test_hooks);
	if (!photos && db_is_remote(db_path))
		log_warn("no --photos DIR: photos cannot be taken on this PostgreSQL database");
	if (!anchor && db_is_remote(db_path))
		log_warn("no --anchor FILE: the end of this database's audit trail is not anchored "
			 "outside it");
	if (db_pool_init(db_path) != 0) {
		log_error("cannot open the database at %s", db_display(db_path));
		goto out_free;
	}
	/* Held for the whole run, so that `collagenda restore` will not put a file in its
	 * place beneath it. */
	if (!db_is_remote(db_path) && store_file_hold(db_path, &held) != 0) {
		log_error("cannot hold the database file %s: %s", db_path, strerror(errno));
		goto out_db;
	}
	if (demo && cli_demo_fill(db_thread()) != 0) {
		log_error("cannot fill the demo clinic");
		goto out_db;
	}
	if (store_audit_flusher_start(db_path) != 0) {
		log_error("cannot start the audit writer");
		goto out_db;
	}
	struct api_config acfg = {(int64_t)idle, 12 * 3600, cert != NULL, zone_name(tz)};
	api_configure(&acfg);
	/* A trailing slash of the public address would double in the links. */
	static char public_base[512];
	if (public_url) {
		snprintf(public_base, sizeof public_base, "%s", public_url);
		size_t pl = strlen(public_base);
		while (pl > 0 && public_base[pl - 1] == '/')
			public_base[--pl] = '\0';
	}
	struct outbox_config ocfg = {
	    .smtp_url = smtp_url,
	    .smtp_insecure = smtp_insecure,
	    .smtp_ca_file = smtp_ca_file,
	    .smtp_user = smtp_user,
	    .smtp_password = smtp_pw,
	    .mail_from = mail_from,
	    .clinic_name = clinic_name ? clinic_name : "the clinic",
	    .public_url = public_url ? public_base : NULL,
	    .time_zone = zone_name(tz),
	};
	outbox_configure(&ocfg);
	if (!smtp_url)
		log_info("no --smtp-url: patient messages stay queued");

	struct http_config hcfg = {
	    .bind = bind,
	    .port = (unsigned)port,
	    .threads = (unsigned)threads,
	    .deadline_s = (unsigned)deadline,
	    .tls_cert_pem = cert,
	    .tls_key_pem = key,
	    .handler = api_handle,
	    .body_limit = api_body_limit,
	};
	struct http_server *srv;
	if (http_server_start(&hcfg, &srv) != 0)
		goto out_db;
	/* One connection per worker thread (at most 4) and a spare, opened while we may. */
	if (run_as && db_pool_preopen(threads ? (int)threads + 2 : 6) != 0) {
		http_server_stop(srv, 0);
		goto out_db;
	}
	if (run_as && drop_privileges(run_as, db_path) != 0) {
		http_server_stop(srv, 0);
		goto out_db;
	}
	if (outbox_start() != 0) {
		log_error("cannot start the message sender");
		http_server_stop(srv, 0);
		goto out_db;
	}
	char host[80];
	if (strchr(bind, ':'))
		snprintf(host, sizeof host, "[%s]", bind);
	else
		snprintf(host, sizeof host, "%s", bind);
	printf("listening on http%s://%s:%u\n", cert ? "s" : "", host, http_server_port(srv));
	fflush(stdout);

	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	log_info("signal %d: finishing requests in flight", sig);
	http_server_stop(srv, 10000);
	rc = CLI_OK;
out_db:
	outbox_stop();
	store_audit_flusher_stop();
	db_pool_close();
	if (held >= 0)
		close(held);
out_free:
	free(cert);
	free(key);
	sms_gateway_set(NULL);
	if (smtp_pw) {
		sodium_memzero(smtp_pw, strlen(smtp_pw));
		free(smtp_pw);
	}
	return rc;
}
