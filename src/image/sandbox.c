/* The server's side of image decoding: starts a child per upload, feeds it over a pipe,
 * reads its answer under a deadline, and kills it when it overstays. */
#include "image/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/wire.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Three renditions of a 50-megapixel image never come near this. */
#define REPLY_MAX (96u * 1024 * 1024)
/* Children at once: each may take its memory limit. */
#define MAX_CHILDREN 2
/* How long an upload waits for a child's slot before it is answered 503. */
#define SLOT_WAIT_MS 10000

static const char *program = "/proc/self/exe";
static bool hooks;
static unsigned timeout_ms = 15000;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_free = PTHREAD_COND_INITIALIZER;
static int children, max_children = MAX_CHILDREN;
static unsigned slot_wait_ms = SLOT_WAIT_MS;
static _Thread_local int last_status;

int image_sandbox_last_status(void)
{
	return last_status;
}

void image_sandbox_program(const char *path)
{
	program = path ? path : "/proc/self/exe";
}

/* The test environment's number name, when it is set and from 1 to below max. */
static bool test_number(const char *name, unsigned long max, unsigned long *out)
{
	const char *text = getenv(name);
	if (!text)
		return false;
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (*end != '\0' || v == 0 || v >= max)
		return false;
	*out = v;
	return true;
}

void image_sandbox_test_hooks(bool on)
{
	hooks = on;
	unsigned long v;
	if (on && test_number("COLLAGENDA_TEST_IMAGE_TIMEOUT_MS", 600000, &v))
		timeout_ms = (unsigned)v;
	if (on && test_number("COLLAGENDA_TEST_IMAGE_SLOTS", MAX_CHILDREN + 1, &v))
		max_children = (int)v;
	if (on && test_number("COLLAGENDA_TEST_IMAGE_SLOT_WAIT_MS", 600000, &v))
		slot_wait_ms = (unsigned)v;
}

void image_sandbox_timeout(unsigned ms)
{
	timeout_ms = ms ? ms : 15000;
}

void image_result_cleanup(struct image_result *res)
{
	for (int i = 0; i < IMAGE_NRENDITIONS; i++)
		free(res->r[i].data);
	memset(res, 0, sizeof *res);
}

const char *image_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "jpeg";
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "webp";
	if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0) {
		static const char *const brands[] = {"heic", "heix", "heim", "heis", "hevc",
						     "hevx", "mif1", "msf1", "avif"};
		for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
			if (memcmp(p + 8, brands[i], 4) == 0)
				return "heic";
	}
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes a child's slot, waiting for one at most slot_wait_ms; false when none came. */
static bool take_slot(void)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += slot_wait_ms / 1000;
	until.tv_nsec += (long)(slot_wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	bool got = true;
	pthread_mutex_lock(&slots_lock);
	while (children >= max_children) {
		int rc = pthread_cond_clockwait(&slots_free, &slots_lock, CLOCK_MONOTONIC, &until);
		if (rc == ETIMEDOUT && children >= max_children) {
			got = false;
			break;
		}
	}
	if (got)
		children++;
	pthread_mutex_unlock(&slots_lock);
	return got;
}

static void give_slot(void)
{
	pthread_mutex_lock(&slots_lock);
	children--;
	pthread_cond_signal(&slots_free);
	pthread_mutex_unlock(&slots_lock);
}

/* Starts the child with its standard input and output on pipes, nothing else open. */
static int spawn_child(pid_t *pid, int *to_child, int *from_child)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = {(char *)"collagenda", (char *)"image-worker", NULL};
	/* A sanitizer build's leak check would stop the world with ptrace, which the filter
	 * forbids; the leaks of a process about to exit are no one's concern. */
	char *envp[] = {(char *)"VIPS_WARNING=0", (char *)"MALLOC_ARENA_MAX=1",
			(char *)"ASAN_OPTIONS=detect_leaks=0", NULL};
	int rc = posix_spawn(pid, program, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		close(in[1]);
		close(out[0]);
		errno = rc;
		return -1;
	}
	*to_child = in[1];
	*from_child = out[0];
	return 0;
}

/* Reads rendition i from the reply at *off; false when the reply is short or wrong. */
static bool take_rendition(const unsigned char *b, size_t n, size_t *off, struct image_result *out,
			   int i)
{
	if (n - *off < IMAGE_WIRE_RENDITION_HEAD)
		return false;
	uint32_t w = image_wire_get32(b + *off), h = image_wire_get32(b + *off + 4);
	uint64_t len = image_wire_get64(b + *off + 8);
	*off += IMAGE_WIRE_RENDITION_HEAD;
	if (len == 0 || len > n - *off || w == 0 || h == 0 || (uint64_t)w * h > IMAGE_MAX_PIXELS)
		return false;
	const char *kind = image_sniff(b + *off, (size_t)len);
	if (!kind || strcmp(kind, "jpeg") != 0)
		return false;
	out->r[i].width = w;
	out->r[i].height = h;
	out->r[i].len = (size_t)len;
	out->r[i].data = xmalloc((size_t)len);
	memcpy(out->r[i].data, b + *off, (size_t)len);
	*off += (size_t)len;
	return true;
}

static int parse_reply(const unsigned char *b, size_t n, struct image_result *out)
{
	if (n < IMAGE_WIRE_REPLY_HEAD)
		return -ERR_BAD_IMAGE;
	switch (image_wire_get32(b)) {
	case IMAGE_WIRE_OK:
		break;
	case IMAGE_WIRE_UNSUPPORTED:
		return -ERR_UNSUPPORTED_MEDIA_TYPE;
	case IMAGE_WIRE_TOO_MANY_PIXELS:
		return -ERR_IMAGE_TOO_LARGE;
	default:
		return -ERR_BAD_IMAGE;
	}
	memset(out, 0, sizeof *out);
	memcpy(out->format, b + 4, 7);
	if (strcmp(out->format, "jpeg") && strcmp(out->format, "png") &&
	    strcmp(out->format, "webp") && strcmp(out->format, "heic"))
		return -ERR_BAD_IMAGE;
	size_t off = IMAGE_WIRE_REPLY_HEAD;
	for (int i = 0; i < IMAGE_NRENDITIONS; i++) {
		if (!take_rendition(b, n, &off, out, i)) {
			image_result_cleanup(out);
			return -ERR_BAD_IMAGE;
		}
	}
	if (off != n) {
		image_result_cleanup(out);
		return -ERR_BAD_IMAGE;
	}
	return 0;
}

/* Feeds the request and collects the reply until the child closes its end or the deadline
 * passes. 0 when the reply is complete; -1 on timeout or a pipe error. */
static int converse(int to, int from, const void *req_data, size_t req_len, unsigned char **reply,
		    size_t *reply_len)
{
	const unsigned char *req = req_data;
	size_t sent = 0, got = 0, cap = 64 * 1024;
	unsigned char *b = xmalloc(cap);
	int64_t deadline = now_ms() + timeout_ms;
	int rc = -1;
	if (fcntl(to, F_SETFL, O_NONBLOCK) != 0)
		goto out;
	for (;;) {
		struct pollfd p[2] = {{.fd = from, .events = POLLIN},
				      {.fd = to, .events = POLLOUT}};
		nfds_t np = to >= 0 ? 2 : 1;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			goto out;
		int r = poll(p, np, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (np == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(to, req + sent, req_len - sent);
			if (w > 0)
				sent += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == req_len) {
				close(to);
				to = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (got == cap) {
				if (cap >= REPLY_MAX)
					goto out;
				cap *= 2;
				b = xrealloc(b, cap);
			}
			ssize_t n = read(from, b + got, cap - got);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0)
				goto out;
			if (n == 0) {
				rc = 0;
				break;
			}
			got += (size_t)n;
		}
	}
out:
	if (to >= 0)
		close(to);
	if (rc == 0) {
		*reply = b;
		*reply_len = got;
	} else {
		free(b);
	}
	return rc;
}

int image_sandbox_process(const void *data, size_t len, struct image_result *out)
{
	memset(out, 0, sizeof *out);
	if (len == 0 || len > IMAGE_MAX_BYTES || !image_sniff(data, len))
		return -ERR_UNSUPPORTED_MEDIA_TYPE;
	unsigned char head[IMAGE_WIRE_REQUEST_HEAD];
	memcpy(head, IMAGE_WIRE_MAGIC, 4);
	const char *hook = getenv("COLLAGENDA_TEST_IMAGE_HOOK");
	image_wire_put32(head + 4, hooks && hook && strcmp(hook, "1") == 0 ? IMAGE_WIRE_HOOKS : 0);
	image_wire_put64(head + 8, len);

	if (!take_slot()) {
		log_warn("image decoders all busy: an upload waited %u ms for one", slot_wait_ms);
		return -ERR_DECODER_BUSY;
	}
	pid_t pid;
	int to, from, err;
	if (spawn_child(&pid, &to, &from) != 0) {
		log_error("cannot start the image decoder: %s", strerror(errno));
		give_slot();
		return -ERR_INTERNAL;
	}
	unsigned char *reply = NULL;
	size_t reply_len = 0;
	/* The head fits in the empty pipe; the body follows without a copy. */
	int talk = write(to, head, sizeof head) == (ssize_t)sizeof head ? 0 : -1;
	if (talk == 0)
		talk = converse(to, from, data, len, &reply, &reply_len);
	else
		close(to);
	close(from);
	if (talk != 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	last_status = talk != 0 ? -1 : status;
	give_slot();
	if (talk != 0) {
		log_warn("image decoder stopped: over its time");
		err = -ERR_BAD_IMAGE;
	} else if (WIFSIGNALED(status)) {
		log_warn("image decoder died of signal %d", WTERMSIG(status));
		err = -ERR_BAD_IMAGE;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("image decoder exited %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		err = -ERR_BAD_IMAGE;
	} else {
		err = parse_reply(reply, reply_len, out);
	}
	free(reply);
	return err;
}
