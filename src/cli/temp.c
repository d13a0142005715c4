/* Temporary files for in-place editing, and the signal handlers that
 * remove them when the process is interrupted.
 *
 * The registry is process-wide state by necessity: a signal handler can
 * reach nothing else.  It is written once at start-up (the path buffers)
 * and then only by the owner of each slot (one worker thread owns two
 * slots), with signals blocked while a slot changes, so the handler never
 * sees a half-written path.  The handler uses only async-signal-safe calls
 * (unlink, sigaction, raise). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static char (*temp_path)[PATH_MAX];
static volatile sig_atomic_t *temp_used;
static int temp_slots;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT};

static void on_signal(int sig) {
  for (int i = 0; i < temp_slots; i++)
    if (temp_used[i])
      unlink(temp_path[i]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  raise(sig); /* die of the same signal, as the caller expects */
}

int cli_temp_init(int nslots) {
  temp_path = calloc((size_t)nslots, sizeof *temp_path);
  temp_used = calloc((size_t)nslots, sizeof *temp_used);
  if (!temp_path || !temp_used)
    return -1;
  temp_slots = nslots;
  for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
    struct sigaction old, sa;
    /* A signal ignored by whoever started us (nohup, a background job)
     * stays ignored. */
    if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    sigaction(caught[i], &sa, NULL);
  }
  /* Past a file-size limit, write() fails with EFBIG and is reported like
   * any write error, instead of the default action killing us. */
  signal(SIGXFSZ, SIG_IGN);
  return 0;
}

int cli_temp_create(const char *target, int slot, char **tmp_path) {
  *tmp_path = NULL;
  if (slot < 0 || slot >= temp_slots) {
    errno = EINVAL;
    return -1;
  }
  const char *slash = strrchr(target, '/');
  size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
  const char *base = slash ? slash + 1 : target;
  /* Hidden and recognisable: ".NAME.zhfix-XXXXXX" in the same directory, so
   * the final rename stays on one file system and is atomic. */
  size_t need = dirlen + 1 + strlen(base) + sizeof ".zhfix-XXXXXX";
  if (need > PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char *path = malloc(need);
  if (!path)
    return -1;
  memcpy(path, target, dirlen);
  snprintf(path + dirlen, need - dirlen, ".%s.zhfix-XXXXXX", base);

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int fd = mkstemp(path);
  if (fd >= 0)
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  int saved = errno;
  if (fd >= 0) {
    memcpy(temp_path[slot], path, need);
    temp_used[slot] = 1;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (fd < 0) {
    free(path);
    errno = saved;
    return -1;
  }
  *tmp_path = path;
  return fd;
}

void cli_temp_release(int slot) {
  if (slot >= 0 && slot < temp_slots)
    temp_used[slot] = 0;
}
