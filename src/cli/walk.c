/* Building the job list: command-line arguments and, with -r, directory
 * trees walked in a sorted, locale-independent order so runs repeat. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static cli_job *push(cli_joblist *l, const char *path, int explicit_arg, uint64_t size) {
  if (l->len == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    cli_job *v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return NULL;
    l->v = v;
    l->cap = cap;
  }
  cli_job *j = &l->v[l->len];
  memset(j, 0, sizeof *j);
  j->path = strdup(path);
  if (!j->path)
    return NULL;
  j->explicit_arg = explicit_arg;
  j->size = size;
  j->spool_fd = -1;
  l->len++;
  return j;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A glob with a '/' matches the path below the directory argument (its
 * '*' does not cross a '/'), any other glob the base name. */
static int matches(const char *const *globs, size_t n, const char *name,
                   const char *rel) {
  for (size_t i = 0; i < n; i++)
    if (strchr(globs[i], '/') ? fnmatch(globs[i], rel, FNM_PATHNAME) == 0
                              : fnmatch(globs[i], name, 0) == 0)
      return 1;
  return 0;
}

static int is_vcs(const char *name) {
  return strcmp(name, ".git") == 0 || strcmp(name, ".svn") == 0 ||
         strcmp(name, ".hg") == 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return k > 0 && n > k && strcmp(s + n - k, suffix) == 0;
}

/* Files a tree walk never takes: backups (the run's --backup suffix, and
 * "~", the default one and editors'), so that `zhfix -r -i --backup` run
 * twice leaves no FILE~~; and our own temporary files, .NAME.zhfix-XXXXXX,
 * left behind only if the process was killed outright. */
static int our_leftover(const cli_opts *o, const char *name) {
  if (ends_with(name, "~") || (o->backup_suffix && ends_with(name, o->backup_suffix)))
    return 1;
  size_t n = strlen(name);
  return name[0] == '.' && n > 14 && strncmp(name + n - 13, ".zhfix-", 7) == 0;
}

static int walk(cli_joblist *l, const cli_opts *o, const char *dir, const char *rel) {
  DIR *d = opendir(dir);
  if (!d) {
    cli_job *j = push(l, dir, 1, 0);
    if (!j)
      return -1;
    j->status = JOB_ERROR;
    sb_addf(&j->msg, "zhfix: %s: %s\n", dir, strerror(errno));
    return 0;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int ret = 0;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || is_vcs(nm))
      continue;
    if (nm[0] == '.' && !o->hidden)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      char **v = realloc(names, cap * sizeof *v);
      if (!v) {
        ret = -1;
        goto out;
      }
      names = v;
    }
    if (!(names[n] = strdup(nm))) {
      ret = -1;
      goto out;
    }
    n++;
  }
  qsort(names, n, sizeof *names, cmp_names);
  size_t dl = strlen(dir), rl = strlen(rel);
  for (size_t i = 0; i < n && ret == 0; i++) {
    size_t nl = strlen(names[i]);
    char *path = malloc(dl + nl + 2), *r = malloc(rl + nl + 2);
    if (!path || !r) {
      free(path);
      free(r);
      ret = -1;
      break;
    }
    int slash = dl > 0 && dir[dl - 1] != '/';
    snprintf(path, dl + nl + 2, "%s%s%s", dir, slash ? "/" : "", names[i]);
    snprintf(r, rl + nl + 2, "%s%s%s", rel, rl ? "/" : "", names[i]);
    struct stat st;
    /* Symbolic links met in a tree are not followed (no loops, no edits
     * outside the tree); name one on the command line to process it. */
    if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode) &&
        !matches(o->exclude, o->nexclude, names[i], r)) {
      if (S_ISDIR(st.st_mode))
        ret = walk(l, o, path, r);
      else if (S_ISREG(st.st_mode) && !our_leftover(o, names[i]) &&
               (o->ninclude == 0 || matches(o->include, o->ninclude, names[i], r)))
        ret = push(l, path, 0, (uint64_t)st.st_size) ? 0 : -1;
    }
    free(path);
    free(r);
  }
out:
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  closedir(d);
  return ret;
}

int cli_add_arg(cli_joblist *l, const cli_opts *o, const char *arg) {
  struct stat st;
  if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0) {
    if (S_ISDIR(st.st_mode) && o->recursive)
      return walk(l, o, arg, "");
    return push(l, arg, 1, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0) ? 0 : -1;
  }
  /* stdin (sized when it is a redirected file, for the progress bar), or
   * a missing file, reported when its turn comes. */
  uint64_t size = 0;
  if (strcmp(arg, "-") == 0 && fstat(0, &st) == 0 && S_ISREG(st.st_mode))
    size = (uint64_t)st.st_size;
  return push(l, arg, 1, size) ? 0 : -1;
}

zhfix_status cli_job_format(const cli_opts *o, zhfix *h, const cli_job *job) {
  int f = o->format;
  if (f == ZHFIX_FORMAT_AUTO && !o->jsonl && strcmp(job->path, "-") != 0)
    f = zhfix_format_from_path(job->path);
  return zhfix_set_option(h, ZHFIX_OPT_FORMAT, f);
}
