/* Decoding an uploaded image in a sandboxed child process: the bytes go over a pipe to a
 * fresh copy of the program (with no network, no files, tight limits and a seccomp
 * filter), which answers with the re-encoded image and its renditions, or a verdict. */
#ifndef COLLAGENDA_IMAGE_SANDBOX_H
#define COLLAGENDA_IMAGE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of an upload (README, "Photos"). */
#define IMAGE_MAX_BYTES	 (25 * 1024 * 1024)
#define IMAGE_MAX_PIXELS (50 * 1000 * 1000)
/* The renditions' longest side, in pixels; the full image keeps its size. */
#define IMAGE_LARGE_SIDE 1280
#define IMAGE_THUMB_SIDE 320

enum image_rendition { IMAGE_FULL, IMAGE_LARGE, IMAGE_THUMB, IMAGE_NRENDITIONS };

/* What the child made of an upload. Every rendition is a JPEG without metadata. */
struct image_result {
	char format[8]; /* what the upload really was: "jpeg", "png", "webp" or "heic" */
	struct {
		uint32_t width, height;
		unsigned char *data; /* owned */
		size_t len;
	} r[IMAGE_NRENDITIONS];
};
void image_result_cleanup(struct image_result *res);

/* Where the child is: the program's own file, re-executed in its hidden worker mode.
 * Defaults to /proc/self/exe; a fuzzer or test names the binary. */
void image_sandbox_program(const char *path);
/* Lets the test hook through (the serve option --test-hooks): with the environment's
 * COLLAGENDA_TEST_IMAGE_HOOK=1, an upload of a JPEG's three first bytes followed by
 * "CRASH" makes the child abort, and one followed by "HANG" makes it spin until the
 * parent's timeout, which COLLAGENDA_TEST_IMAGE_TIMEOUT_MS then sets; "OPEN" makes it try
 * to open a file (refused by the filter: answered as unsupported) and "NET" to make a
 * socket (which kills it). COLLAGENDA_TEST_IMAGE_SLOTS=1 lets one child run at a time
 * instead of two, and COLLAGENDA_TEST_IMAGE_SLOT_WAIT_MS sets how long an upload waits
 * for a slot (default 10000). Without the option none of these variables has any
 * effect. */
void image_sandbox_test_hooks(bool on);
/* The child's wall-clock limit in milliseconds (default 15000). */
void image_sandbox_timeout(unsigned ms);

/*
 * Decodes and re-encodes len bytes of data in a child. 0 and *out filled (the caller
 * cleans it up); -ERR_UNSUPPORTED_MEDIA_TYPE when the bytes are no JPEG, PNG, WebP or
 * HEIC image; -ERR_IMAGE_TOO_LARGE when the header declares more than IMAGE_MAX_PIXELS
 * (refused before decoding); -ERR_BAD_IMAGE when the image is broken or the child
 * crashed, ran out of its limits or its time; -ERR_DECODER_BUSY when every child's slot
 * stayed taken for the whole bounded wait; -ERR_INTERNAL when no child could start.
 */
int image_sandbox_process(const void *data, size_t len, struct image_result *out)
    __attribute__((warn_unused_result));

/* The calling thread's last child's wait status, or -1 when it was killed for overstaying:
 * a fuzzer tells a decoder's crash from a refusal with it. */
int image_sandbox_last_status(void);

/* The worker mode's entry point (main dispatches argv[1] "image-worker" here): reads one
 * request on standard input, answers on standard output, returns the exit status. */
int image_worker_main(void);

#endif
