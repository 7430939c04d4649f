/* collagenda init, user add, backup and audit verify. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "options.h"
#include "domain/model.h"
#include "store/anchor.h"
#include "store/copy.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/photos.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/secrets.h"

/* Parses the only option most subcommands take, --db PATH, into *path, and checks that
 * operands operands follow; as cli_parse_options. */
static bool db_option(int argc, char **argv, int operands, const char *usage, const char **path,
		      int *exit_code)
{
	const struct cli_option opts[] = {{"db", .text = path}};
	return cli_parse_options(argc, argv, opts, 1, operands, usage, exit_code);
}

/* Checks that argv[1] is the subcommand's one verb ("user add", "audit verify"); false,
 * with *exit_code set, when it is not or is --help, which print usage. */
static bool verb(int argc, char **argv, const char *word, const char *usage, int *exit_code)
{
	if (argc >= 2 && strcmp(argv[1], word) == 0)
		return true;
	bool help = argc >= 2 && strcmp(argv[1], "--help") == 0;
	fputs(usage, help ? stdout : stderr);
	*exit_code = help ? CLI_OK : CLI_USAGE;
	return false;
}

int cli_init(int argc, char **argv)
{
	static const char text[] = "usage: collagenda init [--db PATH]\n"
				   "Creates the database, or migrates it to this version; "
				   "running it again changes nothing.\n";
	const char *path = DEFAULT_DB;
	int rc;
	if (!db_option(argc, argv, 0, text, &path, &rc))
		return rc;
	struct db *db;
	if (db_open(path, &db) != 0)
		return CLI_FAIL;
	int v = 0;
	int err = db_file_version(db, &v);
	db_close(db);
	if (err)
		return CLI_FAIL;
	printf("database %s is at schema version %d\n", db_display(path), v);
	return CLI_OK;
}

/* Reads the first line of standard input without echoing it on a terminal. */
static int read_password(char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = fgets(buf, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!line)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The API's rules for typed text (see jin_str in api/core.c), so that an account made
 * here can log in there: no control characters, and a length counted in characters. */
static bool text_fits(const char *s, size_t min, size_t max)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xC0) != 0x80)
			chars++;
	}
	return chars >= min && chars <= max;
}

/* What is wrong with user add's arguments, as a sentence; NULL when nothing is. */
static const char *user_args_wrong(const char *username, const char *role, const char *display)
{
	if (!username)
		return "--username is required";
	if (strlen(username) < 3 || strlen(username) > 64 ||
	    strspn(username, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(username))
		return "username must be 3-64 characters of a-z, 0-9, . _ -";
	if (!role)
		return "--role is required";
	if (!role_parse(role))
		return "role must be admin, front_desk or practitioner";
	if (display && !text_fits(display, 1, 100))
		return "display name must be 1-100 characters without control characters";
	return NULL;
}

int cli_user(int argc, char **argv)
{
	static const char text[] =
	    "usage: collagenda user add --db PATH --username U --role ROLE [--display-name NAME]\n"
	    "Adds a user; the password (at least 10 characters) is the first line of standard\n"
	    "input. ROLE is admin, front_desk or practitioner.\n";
	const char *path = DEFAULT_DB, *username = NULL, *role = NULL, *display = NULL;
	const struct cli_option opts[] = {
	    {"db", .text = &path},
	    {"username", .text = &username},
	    {"role", .text = &role},
	    {"display-name", .text = &display},
	};
	int rc;
	if (!verb(argc, argv, "add", text, &rc) ||
	    !cli_parse_options(argc - 1, argv + 1, opts, sizeof opts / sizeof opts[0], 0, text,
			       &rc))
		return rc;
	const char *why = user_args_wrong(username, role, display);
	if (why) {
		fprintf(stderr, "collagenda user add: %s\n%s", why, text);
		return CLI_USAGE;
	}
	char pw[300];
	if (read_password(pw, sizeof pw) != 0 || !text_fits(pw, 10, 256)) {
		memset(pw, 0, sizeof pw);
		fprintf(stderr, "collagenda user add: the password needs 10 to 256 characters "
				"and no control characters\n");
		return CLI_USAGE;
	}
	if (secrets_init() != 0)
		return CLI_FAIL;
	char hash[SECRETS_PWHASH_LEN];
	int hashed = secrets_hash_password(pw, hash);
	memset(pw, 0, sizeof pw);
	if (hashed != 0)
		return CLI_FAIL;

	struct db *db;
	if (db_open(path, &db) != 0)
		return CLI_FAIL;
	struct user u = {
	    .username = (char *)username,
	    .display_name = (char *)(display ? display : username),
	    .role = role_parse(role),
	    .active = true,
	    .created_at = clock_now(),
	};
	struct actor system = {0, "cli"};
	int err = db_begin_write(db);
	if (!err) {
		err = store_user_insert(db, &u, hash, &u.id);
		if (!err)
			err = store_audit_append(db, &system, "create", "user", u.id, role);
		if (!err)
			err = db_commit(db);
		else
			db_rollback(db);
	}
	db_close(db);
	if (err == -ERR_DUPLICATE) {
		fprintf(stderr, "collagenda user add: username '%s' is taken\n", username);
		return CLI_FAIL;
	}
	if (err)
		return CLI_FAIL;
	printf("added user %s (id %lld, %s)\n", username, (long long)u.id, role);
	return CLI_OK;
}

/* Compares the trail with its anchor: 0 when the anchor's event is there with the
 * anchor's hash; otherwise says what differs and returns CLI_FAIL. */
static int check_anchor(struct db *db, const char *file, bool named)
{
	struct audit_anchor want, head;
	char hash[AUDIT_HASH_HEX] = "";
	int err = store_anchor_read(file, &want);
	if (err == -ERR_NOT_FOUND) {
		fprintf(stderr, "collagenda audit verify: no audit anchor at %s%s\n", file,
			named ? "" : " (the server writes one beside the database)");
		return CLI_FAIL;
	}
	if (err) {
		fprintf(stderr, "collagenda audit verify: %s is not an audit anchor\n", file);
		return CLI_FAIL;
	}
	if ((err = store_audit_head(db, &head)) != 0) {
		fprintf(stderr, "collagenda audit verify: cannot read the audit trail\n");
		return CLI_FAIL;
	}
	if (head.id < want.id) {
		printf("audit trail ends at event %lld, anchor says %lld\n", (long long)head.id,
		       (long long)want.id);
		return CLI_FAIL;
	}
	if (want.id > 0 &&
	    (store_audit_hash_of(db, want.id, hash) != 0 || strcmp(hash, want.hash) != 0)) {
		printf("audit event %lld differs from its anchor\n", (long long)want.id);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int audit_verify(int argc, char **argv, const char *text)
{
	const char *path = DEFAULT_DB, *anchor = NULL, *photo_dir = NULL;
	bool photos = false;
	const struct cli_option opts[] = {{"db", .text = &path},
					  {"anchor", .text = &anchor},
					  {"photos", .flag = &photos},
					  {"photos-dir", .text = &photo_dir}};
	int rc;
	if (!cli_parse_options(argc, argv, opts, 4, 0, text, &rc))
		return rc;
	store_photo_dir_use(photo_dir, path);
	if ((photos || photo_dir) && !store_photo_dir()) {
		fprintf(stderr, "collagenda audit verify: --photos on PostgreSQL needs "
				"--photos-dir DIR\n");
		return CLI_USAGE;
	}
	char file[PATH_MAX];
	/* A PostgreSQL database has no file to keep an anchor beside: --anchor names one. */
	bool remote = db_is_remote(path);
	if (!anchor && !remote && store_anchor_path(path, file, sizeof file) != 0) {
		fprintf(stderr, "collagenda audit verify: the database path is too long\n");
		return CLI_USAGE;
	}
	if (!remote && access(path, F_OK) != 0) {
		fprintf(stderr, "collagenda audit verify: no database at %s\n", path);
		return CLI_FAIL;
	}
	struct db *db;
	if (db_open(path, &db) != 0)
		return CLI_FAIL;
	int64_t bad = 0, count = 0;
	size_t bad_files = 0, files = 0;
	int err = db_begin_read(db);
	rc = CLI_OK;
	if (!err) {
		err = store_audit_verify(db, &bad, &count);
		if (!err && !bad && (anchor || !remote))
			rc = check_anchor(db, anchor ? anchor : file, anchor != NULL);
		if (!err && (photos || photo_dir))
			err = store_photo_verify_files(db, store_photo_dir(), stdout, &bad_files,
						       &files);
		db_rollback(db);
	}
	db_close(db);
	if (err) {
		fprintf(stderr, "collagenda audit verify: cannot read the audit trail\n");
		return CLI_FAIL;
	}
	if (bad) {
		printf("audit chain broken at event %lld\n", (long long)bad);
		return CLI_FAIL;
	}
	if (rc != CLI_OK)
		return rc;
	if (photos || photo_dir) {
		if (bad_files) {
			printf("photo files: %zu of %zu missing or altered\n", bad_files, files);
			return CLI_FAIL;
		}
		printf("photo files intact: %zu\n", files);
	}
	if (remote && !anchor)
		printf("audit chain intact: %lld events (no anchor given: --anchor FILE checks "
		       "where it ends)\n",
		       (long long)count);
	else
		printf("audit chain intact: %lld events, ending where its anchor says\n",
		       (long long)count);
	return CLI_OK;
}

static int audit_head(int argc, char **argv, const char *text)
{
	const char *path = DEFAULT_DB;
	int rc;
	if (!db_option(argc, argv, 0, text, &path, &rc))
		return rc;
	if (!db_is_remote(path) && access(path, F_OK) != 0) {
		fprintf(stderr, "collagenda audit head: no database at %s\n", path);
		return CLI_FAIL;
	}
	struct db *db;
	if (db_open(path, &db) != 0)
		return CLI_FAIL;
	struct audit_anchor head;
	int err = db_begin_read(db);
	if (!err) {
		err = store_audit_head(db, &head);
		db_rollback(db);
	}
	db_close(db);
	if (err) {
		fprintf(stderr, "collagenda audit head: cannot read the audit trail\n");
		return CLI_FAIL;
	}
	printf("%lld %s\n", (long long)head.id, head.hash);
	return CLI_OK;
}

int cli_audit(int argc, char **argv)
{
	static const char text[] =
	    "usage: collagenda audit verify [--db PATH] [--anchor FILE] [--photos]\n"
	    "                               [--photos-dir DIR]\n"
	    "       collagenda audit head [--db PATH]\n"
	    "verify checks the audit trail's hash chain and that it reaches the event its anchor\n"
	    "(PATH.audit-head, or FILE) names: exits 0 when it does, 1 and says where it breaks\n"
	    "when not. With --photos it also re-hashes every photo file (PATH.photos, or DIR)\n"
	    "and names each missing or altered one. head prints the newest event's id and\n"
	    "hash, to keep off-site.\n";
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(argc - 1, argv + 1, text);
	if (argc >= 2 && strcmp(argv[1], "head") == 0)
		return audit_head(argc - 1, argv + 1, text);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(text, stdout);
		return CLI_OK;
	}
	if (argc >= 2)
		fprintf(stderr, "collagenda audit: unknown command '%s'\n", argv[1]);
	fputs(text, stderr);
	return CLI_USAGE;
}

/* Anchors a backup's audit trail where it ends, beside the copy (DEST.audit-head), so
 * that `audit verify --db DEST` checks the copy as it checks the live database. */
static int anchor_copy(const char *dest)
{
	struct db *db;
	struct audit_anchor head;
	char file[PATH_MAX];
	int err = store_anchor_path(dest, file, sizeof file);
	if (!err)
		err = db_open(dest, &db);
	if (err)
		return err;
	if ((err = db_begin_read(db)) == 0) {
		err = store_audit_head(db, &head);
		db_rollback(db);
	}
	db_close(db);
	if (!err)
		err = store_anchor_write(file, &head);
	if (err)
		fprintf(stderr, "collagenda backup: cannot anchor the copy's audit trail\n");
	return err;
}

/* Copies the photo files that the copy's rows name, from beside the source to beside
 * the copy, and checks each one. */
static int copy_photos(const char *path, const char *dest, size_t *copied)
{
	char from[PATH_MAX], to[PATH_MAX];
	int a = snprintf(from, sizeof from, "%s.photos", path);
	int b = snprintf(to, sizeof to, "%s.photos", dest);
	if (a <= 0 || (size_t)a >= sizeof from || b <= 0 || (size_t)b >= sizeof to)
		return -ERR_BAD_REQUEST;
	struct db *db;
	int err = db_open(dest, &db);
	if (err)
		return err;
	if ((err = db_begin_read(db)) == 0) {
		err = store_photo_copy_files(db, from, to, stderr, copied);
		db_rollback(db);
	}
	db_close(db);
	if (err)
		fprintf(stderr, "collagenda backup: the photo files could not be copied whole\n");
	return err;
}

int cli_backup(int argc, char **argv)
{
	static const char text[] =
	    "usage: collagenda backup [--db PATH] DEST\n"
	    "Copies the database to DEST with SQLite's online backup (safe "
	    "while the server runs), checks the copy's integrity and anchors its "
	    "audit trail (DEST.audit-head), then copies the photo files (PATH.photos) to\n"
	    "DEST.photos and checks each copy's hash. Restoring is putting DEST and\n"
	    "DEST.photos back as PATH and PATH.photos.\n";
	const char *path = DEFAULT_DB;
	int rc;
	if (!db_option(argc, argv, 1, text, &path, &rc))
		return rc;
	const char *dest = argv[optind];
	if (db_is_remote(path)) {
		fprintf(stderr,
			"collagenda backup: a PostgreSQL database is backed up with its own "
			"tools: pg_dump for a copy, pg_basebackup and WAL archiving for a "
			"standby or point-in-time recovery (README, \"PostgreSQL\")\n");
		return CLI_USAGE;
	}
	/* Opening a missing source would create an empty database there and back that up. */
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "collagenda backup: no database at %s\n", path);
		return CLI_FAIL;
	}
	if (access(dest, F_OK) == 0) {
		fprintf(stderr, "collagenda backup: %s exists; choose a new file\n", dest);
		return CLI_FAIL;
	}
	struct db *db;
	if (db_open(path, &db) != 0)
		return CLI_FAIL;
	int err = db_backup(db, dest);
	db_close(db);
	if (err || anchor_copy(dest) != 0)
		return CLI_FAIL;
	size_t photos = 0;
	if (copy_photos(path, dest, &photos) != 0)
		return CLI_FAIL;
	printf("backed up %s to %s (%zu photo files)\n", path, dest, photos);
	return CLI_OK;
}

int cli_migrate_to(int argc, char **argv)
{
	static const char text[] =
	    "usage: collagenda migrate-to TARGET --from PATH\n"
	    "Copies the clinic in the SQLite file PATH into the new PostgreSQL database TARGET\n"
	    "(a postgresql:// URI or a libpq connection string), verifies the audit chain\n"
	    "there and prints the rows of every table on both sides.\n";
	const char *from_path = NULL;
	const struct cli_option opts[] = {{"from", .text = &from_path}};
	int rc;
	if (!cli_parse_options(argc, argv, opts, 1, 1, text, &rc))
		return rc;
	const char *target = argv[optind];
	if (!from_path || db_is_remote(from_path) || !db_is_remote(target)) {
		fprintf(stderr,
			"collagenda migrate-to: TARGET is a PostgreSQL database and --from "
			"an SQLite file\n%s",
			text);
		return CLI_USAGE;
	}
	if (access(from_path, F_OK) != 0) {
		fprintf(stderr, "collagenda migrate-to: no database at %s\n", from_path);
		return CLI_FAIL;
	}
	struct db *from = NULL, *to = NULL;
	if (db_open(from_path, &from) != 0)
		return CLI_FAIL;
	if (db_open(target, &to) != 0) {
		db_close(from);
		return CLI_FAIL;
	}
	printf("%-24s %10s %10s\n", "table", "sqlite", "postgresql");
	int err = store_copy_clinic(from, to, stdout);
	int64_t bad = 0, count = 0;
	if (!err && (err = db_begin_read(to)) == 0) {
		err = store_audit_verify(to, &bad, &count);
		db_rollback(to);
	}
	db_close(to);
	db_close(from);
	if (err) {
		fprintf(stderr, "collagenda migrate-to: the copy failed; %s is unchanged\n",
			db_display(target));
		return CLI_FAIL;
	}
	if (bad) {
		printf("audit chain broken at event %lld on arrival\n", (long long)bad);
		return CLI_FAIL;
	}
	printf("audit chain intact on arrival: %lld events\n", (long long)count);
	return CLI_OK;
}
