/* The files the store keeps beside the database (the audit anchor), and the system calls
 * it writes them with: the system's own, unless a test puts others in their place to
 * follow what would survive a power cut. */
#ifndef COLLAGENDA_STORE_FILES_H
#define COLLAGENDA_STORE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct store_file_ops {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*close)(int fd);
	int (*rename)(const char *from, const char *to);
	int (*unlink)(const char *path);
};

/* The operations in use; store_files_use(NULL) goes back to the system's. */
extern const struct store_file_ops *store_files;
void store_files_use(const struct store_file_ops *ops);

/* Puts len bytes of data in place of the file at path so that a power cut leaves either
 * the old file or the whole new one: a temporary file beside it, written and fsynced,
 * renamed over path, then the directory fsynced. 0, or -1 with errno set. */
int store_file_replace(const char *path, const void *data, size_t len);

/* Fsyncs the directory that holds path, so that a file created or renamed there survives
 * a power cut. 0, or -1 with errno set. */
int store_file_sync_dir(const char *path);

/* Fsyncs the file at path itself. 0, or -1 with errno set. */
int store_file_sync(const char *path);

/* Removes path and, when it is a folder, everything beneath it; 0 also when there was
 * nothing to remove, -1 with errno set. */
int store_file_remove_tree(const char *path);

/* Takes a shared advisory lock (flock) on the file at path and keeps it while *fd stays
 * open: a server holds its database's file so, for the whole of its run (flock and
 * SQLite's own fcntl locks do not meet). 0, or -1 with errno set. */
int store_file_hold(const char *path, int *fd);
/* Whether a process holds the file at path (store_file_hold): *held is false when
 * nobody does or the file is not there. 0, or -1 with errno set. */
int store_file_held(const char *path, bool *held);

#endif
