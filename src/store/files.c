/* Files beside the database, replaced whole and durably. */
#include "store/files.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static const struct store_file_ops system_ops = {
    .open = sys_open,
    .write = write,
    .fsync = fsync,
    .close = close,
    .rename = rename,
    .unlink = unlink,
};

const struct store_file_ops *store_files = &system_ops;

void store_files_use(const struct store_file_ops *ops)
{
	store_files = ops ? ops : &system_ops;
}

int store_file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int n = !slash		? snprintf(dir, sizeof dir, ".")
		: slash == path ? snprintf(dir, sizeof dir, "/")
				: snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (n <= 0 || (size_t)n >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = store_files->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = store_files->fsync(fd);
	int saved = errno;
	if (store_files->close(fd) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

/* Writes all of data to fd. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = store_files->write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int store_file_replace(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (n <= 0 || (size_t)n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = store_files->open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, len) == 0 && store_files->fsync(fd) == 0 ? 0 : -1;
	int saved = errno;
	if (store_files->close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && store_files->rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		(void)store_files->unlink(tmp);
		errno = saved;
		return -1;
	}
	return store_file_sync_dir(path);
}

int store_file_sync(const char *path)
{
	int fd = store_files->open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = store_files->fsync(fd);
	int saved = errno;
	if (store_files->close(fd) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int store_file_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int store_file_hold(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -1;
	if (flock(*fd, LOCK_SH | LOCK_NB) != 0) {
		int saved = errno;
		close(*fd);
		*fd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

int store_file_held(const char *path, bool *held)
{
	*held = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		(void)flock(fd, LOCK_UN);
	else if (errno == EWOULDBLOCK)
		*held = true;
	else
		rc = -1;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
