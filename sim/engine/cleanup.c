/* cleanup.c -- see cleanup.h.  Slots are claimed and released by the main
 * flow only; the handler reads them.  A slot's path is complete before its
 * `used` flag is set, so the handler never sees half a name. */
#include "sim/engine/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 64

static struct {
    volatile sig_atomic_t used;
    pid_t owner;
    int is_dir;
    char path[PATH_MAX];
} slots[SLOTS];

static volatile pid_t child;
static volatile pid_t child_owner;

void asim_cleanup_add(const char *path, int is_dir)
{
    size_t n = strlen(path);
    if (n >= PATH_MAX)
        return;
    for (int i = 0; i < SLOTS; i++)
        if (!slots[i].used) {
            memcpy(slots[i].path, path, n + 1);
            slots[i].owner = getpid();
            slots[i].is_dir = is_dir;
            slots[i].used = 1;
            return;
        }
}

void asim_cleanup_hold(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, old);
}

void asim_cleanup_release(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

void asim_cleanup_drop(const char *path)
{
    pid_t me = getpid();
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].owner == me && strcmp(slots[i].path, path) == 0) {
            slots[i].used = 0;
            return;
        }
}

void asim_cleanup_child(pid_t pid)
{
    child_owner = getpid();
    child = pid;
}

struct dent64 {                       /* the kernel's struct linux_dirent64 */
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

void asim_cleanup_empty_dir_fd(int fd)
{
    char buf[4096] __attribute__((aligned(8)));
    for (int removed = 1; removed;) {
        removed = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
            return;
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
            for (long off = 0; off < n;) {
                struct dent64 *d = (struct dent64 *)(void *)(buf + off);
                off += d->reclen;
                const char *m = d->name;
                if (m[0] == '.' && (m[1] == 0 || (m[1] == '.' && m[2] == 0)))
                    continue;
                if (unlinkat(fd, m, 0) == 0)
                    removed = 1;
            }
    }
}

static void remove_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        asim_cleanup_empty_dir_fd(fd);
        close(fd);
    }
    rmdir(dir);
}

static void on_signal(int sig)
{
    int saved = errno;
    pid_t me = getpid();
    if (child > 0 && child_owner == me) {
        kill(child, SIGKILL);             /* it may be writing a temporary */
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].owner == me) {
            if (slots[i].is_dir)
                remove_dir(slots[i].path);
            else
                unlink(slots[i].path);
        }
    errno = saved;
    signal(sig, SIG_DFL);
    raise(sig);
}

void asim_cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
