/* The sandboxed child: initialises libvips, locks itself down (rlimits, seccomp), then
 * decodes one image from standard input and writes the stripped re-encodings out. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vips/vips.h>
/* Not in vips.h, but exported: turns off run-time code generation. */
#include <vips/vector.h>

#include "image/sandbox.h"
#include "image/wire.h"

/* The child's memory: a 50-megapixel image decoded (200 MB as RGBA) and its copies. */
#define WORKER_MAX_AS  (1536ull * 1024 * 1024)
#define WORKER_MAX_CPU 20

static int read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int answer_status(uint32_t status)
{
	unsigned char head[IMAGE_WIRE_REPLY_HEAD] = {0};
	image_wire_put32(head, status);
	return write_all(1, head, sizeof head) ? 1 : 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_UNDER_ASAN 1
#endif
#endif

/* No new files, no growth of any file, bounded memory and CPU time. (AddressSanitizer's
 * shadow memory is terabytes of address space: its builds leave that limit out.) */
static int limit_resources(void)
{
	struct rlimit as = {WORKER_MAX_AS, WORKER_MAX_AS};
	struct rlimit cpu = {WORKER_MAX_CPU, WORKER_MAX_CPU};
	struct rlimit none = {0, 0};
#ifdef WORKER_UNDER_ASAN
	(void)as;
#else
	if (setrlimit(RLIMIT_AS, &as))
		return -1;
#endif
	if (setrlimit(RLIMIT_CPU, &cpu) || setrlimit(RLIMIT_FSIZE, &none) ||
	    setrlimit(RLIMIT_CORE, &none) || setrlimit(RLIMIT_NOFILE, &none))
		return -1;
	return 0;
}

/*
 * Only what decoding in memory needs: reading and writing the pipes it has, memory,
 * threads (libvips' worker pool) and their synchronisation, and leaving. Anything else
 * (open, socket, connect, execve, fork, ptrace, ...) fails with EPERM.
 */
static int install_filter(void)
{
	static const int allowed[] = {
	    SCMP_SYS(read),
	    SCMP_SYS(write),
	    SCMP_SYS(readv),
	    SCMP_SYS(writev),
	    SCMP_SYS(close),
	    SCMP_SYS(lseek),
	    SCMP_SYS(fstat),
	    SCMP_SYS(newfstatat),
	    SCMP_SYS(mmap),
	    SCMP_SYS(munmap),
	    SCMP_SYS(mremap),
	    SCMP_SYS(mprotect),
	    SCMP_SYS(madvise),
	    SCMP_SYS(brk),
	    SCMP_SYS(futex),
	    SCMP_SYS(set_robust_list),
	    SCMP_SYS(rseq),
	    SCMP_SYS(gettid),
	    SCMP_SYS(getpid),
	    SCMP_SYS(sched_yield),
	    SCMP_SYS(sched_getaffinity),
	    SCMP_SYS(rt_sigprocmask),
	    SCMP_SYS(rt_sigreturn),
	    SCMP_SYS(rt_sigaction),
	    SCMP_SYS(clock_gettime),
	    SCMP_SYS(clock_nanosleep),
	    SCMP_SYS(nanosleep),
	    SCMP_SYS(gettimeofday),
	    SCMP_SYS(getrandom),
	    SCMP_SYS(exit),
	    SCMP_SYS(exit_group),
	    SCMP_SYS(tgkill),
	    SCMP_SYS(prctl),
	    SCMP_SYS(eventfd2),
	    SCMP_SYS(poll),
	    SCMP_SYS(ppoll),
	    SCMP_SYS(getrusage),
	    SCMP_SYS(sigaltstack),
	};
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!f)
		return -1;
	/* Every thread libvips has started already gets the filter too. */
	int rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Kill outright on what only an attack would try. */
	static const int fatal[] = {SCMP_SYS(execve),  SCMP_SYS(execveat), SCMP_SYS(socket),
				    SCMP_SYS(connect), SCMP_SYS(ptrace),   SCMP_SYS(fork),
				    SCMP_SYS(vfork)};
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0] && rc == 0; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, fatal[i], 0);
	/* Threads, never processes: clone only with CLONE_THREAD. clone3 passes its flags in
	 * memory a filter cannot read, so it answers ENOSYS and the C library falls back to
	 * clone. */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_load(f);
	seccomp_release(f);
	return rc ? -1 : 0;
}

static VipsImage *load(const char *format, const void *buf, size_t len)
{
	VipsImage *im = NULL;
	int rc = -1;
	if (strcmp(format, "jpeg") == 0)
		rc = vips_jpegload_buffer((void *)buf, len, &im, "fail_on", VIPS_FAIL_ON_TRUNCATED,
					  NULL);
	else if (strcmp(format, "png") == 0)
		rc = vips_pngload_buffer((void *)buf, len, &im, "fail_on", VIPS_FAIL_ON_TRUNCATED,
					 NULL);
	else if (strcmp(format, "webp") == 0)
		rc = vips_webpload_buffer((void *)buf, len, &im, "fail_on", VIPS_FAIL_ON_TRUNCATED,
					  NULL);
	else if (strcmp(format, "heic") == 0)
		rc = vips_heifload_buffer((void *)buf, len, &im, "fail_on", VIPS_FAIL_ON_TRUNCATED,
					  NULL);
	return rc == 0 ? im : NULL;
}

/* Upright, 8-bit sRGB without alpha, decoded into memory. */
static VipsImage *normalise(VipsImage *in)
{
	VipsImage *t[5] = {NULL};
	VipsImage *out = NULL;
	if (vips_autorot(in, &t[0], NULL))
		goto out;
	VipsImage *cur = t[0];
	if (vips_image_get_typeof(cur, VIPS_META_ICC_NAME)) {
		if (vips_icc_transform(cur, &t[1], "srgb", "embedded", TRUE, NULL))
			goto out;
	} else if (vips_colourspace(cur, &t[1], VIPS_INTERPRETATION_sRGB, NULL)) {
		goto out;
	}
	cur = t[1];
	if (vips_image_hasalpha(cur)) {
		VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
		int rc = vips_flatten(cur, &t[2], "background", white, NULL);
		vips_area_unref(VIPS_AREA(white));
		if (rc)
			goto out;
		cur = t[2];
	}
	if (vips_cast_uchar(cur, &t[3], NULL))
		goto out;
	out = vips_image_copy_memory(t[3]);
out:
	for (size_t i = 0; i < 5; i++)
		if (t[i])
			g_object_unref(t[i]);
	return out;
}

/* Writes one rendition of src no longer than side on its longest side (0: src's size):
 * its size, then the JPEG, with every metadata block stripped. With kept, the rendition
 * is decoded into memory first and handed back (the caller unrefs it), for the next,
 * smaller one to start from. */
static int put_rendition(VipsImage *src, int side, VipsImage **kept)
{
	VipsImage *im = src, *scaled = NULL;
	int w = vips_image_get_width(src), h = vips_image_get_height(src);
	int longest = w > h ? w : h;
	if (side && longest > side) {
		/* A linear kernel after libvips' box shrink: a third of lanczos3's time, and
		 * no visible difference at these reductions. */
		if (vips_resize(src, &scaled, (double)side / longest, "kernel", VIPS_KERNEL_LINEAR,
				NULL))
			return -1;
		im = scaled;
	}
	if (kept) {
		VipsImage *mem = vips_image_copy_memory(im);
		if (scaled)
			g_object_unref(scaled);
		if (!mem)
			return -1;
		/* A reference of its own, to src's pixels when there was nothing to scale. */
		im = scaled = mem;
	}
	void *buf = NULL;
	size_t len = 0;
	int rc = vips_jpegsave_buffer(im, &buf, &len, "Q", 85, "strip", TRUE, NULL);
	unsigned char head[IMAGE_WIRE_RENDITION_HEAD];
	if (rc == 0) {
		image_wire_put32(head, (uint32_t)vips_image_get_width(im));
		image_wire_put32(head + 4, (uint32_t)vips_image_get_height(im));
		image_wire_put64(head + 8, (uint64_t)len);
		rc = write_all(1, head, sizeof head) || write_all(1, buf, len) ? -1 : 0;
	}
	g_free(buf);
	if (kept && rc == 0)
		*kept = scaled;
	else if (scaled)
		g_object_unref(scaled);
	return rc;
}

int image_worker_main(void)
{
	/* The stop signals may come blocked from the server; the parent kills with SIGKILL. */
	if (VIPS_INIT("collagenda"))
		return 2;
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	/* No run-time code generation: orc would want a writable, executable file. */
	vips_vector_set_enabled(FALSE);
	if (limit_resources() || install_filter())
		return 3;

	unsigned char head[IMAGE_WIRE_REQUEST_HEAD];
	if (read_all(0, head, sizeof head) || memcmp(head, IMAGE_WIRE_MAGIC, 4) != 0)
		return 4;
	uint32_t flags = image_wire_get32(head + 4);
	uint64_t len = image_wire_get64(head + 8);
	if (len == 0 || len > IMAGE_MAX_BYTES)
		return answer_status(IMAGE_WIRE_BAD);
	unsigned char *data = malloc(len);
	if (!data || read_all(0, data, len))
		return 4;
	/* The test hook: a JPEG's first three bytes, then the word. */
	if (flags & IMAGE_WIRE_HOOKS) {
		if (len >= 8 && memcmp(data + 3, "CRASH", 5) == 0)
			abort();
		if (len >= 7 && memcmp(data + 3, "HANG", 4) == 0)
			for (volatile unsigned long spin = 0;; spin++)
				;
		/* The sandbox's own proof: opening a file fails (answered as unsupported), and
		 * asking for a socket ends the child (a crash to the parent). */
		if (len >= 7 && memcmp(data + 3, "OPEN", 4) == 0) {
			int fd = open("/etc/hostname", O_RDONLY);
			return answer_status(fd < 0 ? IMAGE_WIRE_UNSUPPORTED : IMAGE_WIRE_OK);
		}
		if (len >= 6 && memcmp(data + 3, "NET", 3) == 0) {
			int s = socket(AF_INET, SOCK_STREAM, 0);
			return answer_status(s < 0 ? IMAGE_WIRE_UNSUPPORTED : IMAGE_WIRE_OK);
		}
	}
	const char *format = image_sniff(data, len);
	if (!format)
		return answer_status(IMAGE_WIRE_UNSUPPORTED);
	VipsImage *in = load(format, data, len);
	if (!in)
		return answer_status(IMAGE_WIRE_BAD);
	/* The header alone says how large the image is: refuse before decoding a pixel. */
	uint64_t pixels = (uint64_t)vips_image_get_width(in) * (uint64_t)vips_image_get_height(in);
	if (pixels > IMAGE_MAX_PIXELS) {
		g_object_unref(in);
		return answer_status(IMAGE_WIRE_TOO_MANY_PIXELS);
	}
	VipsImage *full = normalise(in);
	g_object_unref(in);
	free(data);
	if (!full)
		return answer_status(IMAGE_WIRE_BAD);
	unsigned char reply[IMAGE_WIRE_REPLY_HEAD] = {0};
	image_wire_put32(reply, IMAGE_WIRE_OK);
	memcpy(reply + 4, format, strlen(format));
	VipsImage *large = NULL;
	int rc = write_all(1, reply, sizeof reply) || put_rendition(full, 0, NULL);
	rc = rc || put_rendition(full, IMAGE_LARGE_SIDE, &large);
	rc = rc || put_rendition(large, IMAGE_THUMB_SIDE, NULL);
	if (large)
		g_object_unref(large);
	g_object_unref(full);
	return rc ? 5 : 0;
}
