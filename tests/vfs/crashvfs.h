/* A test-only SQLite VFS over the default one that models a power cut: writes not yet
 * synced may be lost, in part, torn or out of order, as a disk would lose them; and that
 * injects I/O errors at a chosen call. The files the store writes beside the database
 * (store/files.h) go through the same model. Never part of the shipped binary. */
#ifndef COLLAGENDA_TESTS_CRASHVFS_H
#define COLLAGENDA_TESTS_CRASHVFS_H

/* The exit status of a process that the model cut the power of. */
#define CRASHVFS_EXIT 99

/*
 * Registers the VFS as the default, from spec: comma-separated words.
 *   crash            keep what was written since each file's last sync apart, and on a
 *                    power cut drop none, some or all of it (sector by sector)
 *   seed=N           the model's random choices (default: from the clock)
 *   crash-after=N    cut the power at the Nth write, truncate or sync (SIGUSR2 also
 *                    cuts it, at any moment)
 *   ack-before-sync  the negative control: the log's sync returns at once without
 *                    reaching the disk, so answers leave before their data are synced
 *   fail=write|sync|read, fail-at=N, fail-code=ioerr|full
 *                    the Nth such call on the database or its log fails once
 *   after-signal     count towards fail-at only from SIGUSR1 on
 * 0, or -1 with a message on standard error.
 */
int crashvfs_install(const char *spec);

#endif
