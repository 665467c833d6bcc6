/* cleanup.h -- an interrupted command leaves nothing behind.
 *
 * Temporaries (a file written beside its target, a private directory of
 * files) and one child process (gnuplot) are registered while they exist.
 * On SIGINT, SIGTERM or SIGHUP the handler installed by asim_cleanup_install
 * kills the child, removes every temporary this process registered, and
 * dies of the signal (the shell sees 128 + N: 130 for ^C, 143 for SIGTERM).
 * The handler uses fixed tables and system calls only (async-signal-safe);
 * an entry belongs to the process that registered it, so a forked worker
 * never removes its parent's files.  A full table only means a temporary
 * is not removed on a signal.  Commands with their own handling (run's
 * staging directory, sweep's workers) install theirs over it for a while. */
#ifndef ASIM_CLEANUP_H
#define ASIM_CLEANUP_H

#include <signal.h>
#include <sys/types.h>

/* Remove path on a signal (a directory: its files, then itself). */
void asim_cleanup_add(const char *path, int is_dir);
/* Block the stop signals while a temporary is created and registered (so a
 * signal cannot fall between the two), then restore the mask. */
void asim_cleanup_hold(sigset_t *old);
void asim_cleanup_release(const sigset_t *old);
/* Forget path again (renamed into place, or already removed). */
void asim_cleanup_drop(const char *path);
/* The child to kill on a signal; 0 for none. */
void asim_cleanup_child(pid_t pid);
/* Unlink every entry of the directory open as fd, with system calls only
 * (opendir/readdir are not async-signal-safe): usable in a handler. */
void asim_cleanup_empty_dir_fd(int fd);
/* Install the handler for SIGINT, SIGTERM and SIGHUP (once, at start). */
void asim_cleanup_install(void);

#endif
