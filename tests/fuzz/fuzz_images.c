/* Fuzz target: malformed images through the same sandboxed child that decodes uploads.
 * The child is this binary again, in its worker mode; a child that dies of a signal or
 * exits with an error (a sanitizer's report) is a finding, a refusal is not. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/sandbox.h"
#include "image/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (*argc == 2 && strcmp((*argv)[1], "image-worker") == 0)
		_exit(image_worker_main());
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 256 * 1024)
		return 0;
	struct image_result res;
	int err = image_sandbox_process(data, size, &res);
	if (err == 0) {
		/* What comes back is three JPEGs, each within the limits. */
		for (int i = 0; i < IMAGE_NRENDITIONS; i++) {
			const char *kind = image_sniff(res.r[i].data, res.r[i].len);
			if (!kind || strcmp(kind, "jpeg") != 0 ||
			    (uint64_t)res.r[i].width * res.r[i].height > IMAGE_MAX_PIXELS)
				__builtin_trap();
		}
		image_result_cleanup(&res);
		return 0;
	}
	if (!image_sniff(data, size))
		return 0; /* refused without a child */
	int status = image_sandbox_last_status();
	if (status != -1 && (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status))))
		__builtin_trap();
	return 0;
}
