/*
 * zhfix — the command.  Option parsing, the job list, and the scheduler
 * that runs jobs on N threads (one zhfix handle each) and emits their
 * results in job order.  See docs/cli.md and docs/zhfix.1.
 *
 * Exit status: 0 success, 1 --check found files that would change,
 * 2 an error (a usage error, or any file that failed; the others are still
 * processed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_JOBS 64

static const char usage_text[] =
    "Usage: zhfix [OPTION]... [FILE]...\n"
    "Repair damaged Chinese text and write clean UTF-8.\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "Text:\n"
    "      --from=ENC          input encoding: auto (default), utf-8, utf-16le,\n"
    "                          utf-16be, gb18030, gbk, gb2312, big5, big5-hkscs\n"
    "      --to=SCRIPT         convert to keep (default), simp, trad, tw, twp, hk,\n"
    "                          hkp, jp\n"
    "      --script=SCRIPT     the input's script: auto (default), simp, trad, tw,\n"
    "                          twp, hk, hkp, jp\n"
    "      --opencc-exact      convert with OpenCC's data as published, without\n"
    "                          zhfix's errata\n"
    "      --pinyin=MODE       X(pinyin) annotations: auto (default: strip only in\n"
    "                          damaged documents), strip, keep\n"
    "      --mojibake=on|off   repair text decoded with the wrong encoding\n"
    "                          (default on)\n"
    "      --entities=on|off   decode HTML character references left in plain\n"
    "                          text (default on; never in markup, code or data)\n"
    "      --punct=on|off      punctuation and typography (default on): only in\n"
    "                          prose -- text lines, Markdown and HTML text, troff\n"
    "                          text lines, comments in code; never in code, string\n"
    "                          literals, markup, data files, URLs or paths;\n"
    "                          off turns typography off (repairs still apply)\n"
    "      --quotes=STYLE      auto (default: the target region's; with\n"
    "                          --to=keep the document's own), curly, corner, keep\n"
    "      --spacing[=on|off]  a space between Chinese and Latin letters or digits\n"
    "      --format=FORMAT     where punctuation may change: auto (default: by\n"
    "                          file name, else by content), text, markdown, html,\n"
    "                          troff, data, subtitle, or a language: c, js, go,\n"
    "                          rust, css, python, shell, ruby, perl, sql, lua, php,\n"
    "                          vue (docs/formats.md lists the names)\n"
    "      --controls=MODE     control characters and ANSI colours: keep (default)\n"
    "                          or strip\n"
    "      --strict            invalid bytes are an error, not U+FFFD\n"
    "      --force             process input that looks binary; with -i, rewrite\n"
    "                          a file whose decoding was uncertain\n"
    "      --lost-marker=CHAR|keep  what a lost byte left unrepaired shows: keep\n"
    "                          (default: its '?' or U+FFFD), or CHAR (e.g. U+3013)\n"
    "\n"
    "Files:\n"
    "  -o, --output=FILE       write the text to FILE instead of standard output\n"
    "  -i, --in-place          rewrite each FILE (safely, through a temporary file)\n"
    "      --backup[=SUFFIX]   with -i, keep the original as FILE+SUFFIX (default ~)\n"
    "  -r, --recursive         process directories, walked in sorted order (never\n"
    "                          backups FILE~ / FILE+SUFFIX nor our temporary files)\n"
    "      --include=GLOB      with -r, only files matching GLOB (repeatable)\n"
    "      --exclude=GLOB      with -r, skip files and directories matching GLOB\n"
    "      --hidden            with -r, also walk hidden files and directories\n"
    "  -j, --jobs=N            process N files in parallel, or the records of one\n"
    "                          JSON Lines stream (output order is kept)\n"
    "      --jsonl[=FIELD]     input is JSON Lines: clean the string FIELD (default\n"
    "                          text) of each record, keep every other byte\n"
    "\n"
    "Review:\n"
    "      --check             write nothing; list the files that would change;\n"
    "                          exit 1 if there are any\n"
    "      --diff              print a unified diff of the changes, not the text\n"
    "      --color[=WHEN]      colour the diff: auto (default), always, never\n"
    "      --report=json       per-file statistics as JSON (to standard error)\n"
    "      --report-file=FILE  write the report to FILE (- for standard output)\n"
    "      --progress[=WHEN]   progress bar on standard error: auto (default: when\n"
    "                          it is a terminal and the run is large), always,\n"
    "                          never\n"
    "  -q, --quiet             no warnings (errors are still reported)\n"
    "  -h, --help              show this help and exit\n"
    "  -V, --version           show the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 --check found changes, 2 error.\n";

enum {
  OPT_FROM = 256, OPT_TO, OPT_SCRIPT, OPT_PINYIN, OPT_QUOTES, OPT_SPACING,
  OPT_PUNCT, OPT_MOJIBAKE, OPT_STRICT, OPT_FORCE, OPT_BACKUP, OPT_INCLUDE,
  OPT_EXCLUDE, OPT_HIDDEN, OPT_CHECK, OPT_DIFF, OPT_COLOR, OPT_REPORT,
  OPT_REPORT_FILE, OPT_JSONL, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_FORMAT, OPT_CONTROLS,
  OPT_OPENCC_EXACT, OPT_LOST_MARKER, OPT_ENTITIES
};

static const struct option longopts[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"script", required_argument, NULL, OPT_SCRIPT},
    {"pinyin", required_argument, NULL, OPT_PINYIN},
    {"quotes", required_argument, NULL, OPT_QUOTES},
    {"spacing", optional_argument, NULL, OPT_SPACING},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"controls", required_argument, NULL, OPT_CONTROLS},
    {"punct", optional_argument, NULL, OPT_PUNCT},
    {"mojibake", optional_argument, NULL, OPT_MOJIBAKE},
    {"entities", optional_argument, NULL, OPT_ENTITIES},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"force", no_argument, NULL, OPT_FORCE},
    {"opencc-exact", no_argument, NULL, OPT_OPENCC_EXACT},
    {"lost-marker", required_argument, NULL, OPT_LOST_MARKER},
    {"output", required_argument, NULL, 'o'},
    {"in-place", no_argument, NULL, 'i'},
    {"backup", optional_argument, NULL, OPT_BACKUP},
    {"recursive", no_argument, NULL, 'r'},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"hidden", no_argument, NULL, OPT_HIDDEN},
    {"jobs", required_argument, NULL, 'j'},
    {"jsonl", optional_argument, NULL, OPT_JSONL},
    {"check", no_argument, NULL, OPT_CHECK},
    {"diff", no_argument, NULL, OPT_DIFF},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"colour", optional_argument, NULL, OPT_COLOR},
    {"report", required_argument, NULL, OPT_REPORT},
    {"report-file", required_argument, NULL, OPT_REPORT_FILE},
    {"progress", optional_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void die_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "zhfix: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'zhfix --help' for more information.\n");
  exit(2);
}

zhfix *cli_handle_new(const cli_opts *o, char *err, size_t errlen) {
  zhfix *h = zhfix_create();
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  for (int i = 0; i < o->nlib; i++) {
    zhfix_status st = zhfix_set_option_string(h, o->lib_name[i], o->lib_value[i]);
    if (st != ZHFIX_OK) {
      snprintf(err, errlen, "invalid value '%s' for --%s", o->lib_value[i], o->lib_name[i]);
      zhfix_free(h);
      return NULL;
    }
  }
  if (o->jsonl) {
    /* A JSON string is UTF-8 text: no detection, and an escaped NUL in it
     * is text, not a sign of a binary file. */
    if (zhfix_set_option_string(h, "from", "utf-8") != ZHFIX_OK ||
        zhfix_set_option_string(h, "force", "on") != ZHFIX_OK) {
      snprintf(err, errlen, "cannot configure the library for JSON Lines");
      zhfix_free(h);
      return NULL;
    }
  }
  return h;
}

static void add_lib(cli_opts *o, const char *name, const char *value) {
  if (o->nlib == CLI_MAX_LIBOPTS)
    die_usage("too many options (at %s)", name);
  o->lib_name[o->nlib] = name;
  o->lib_value[o->nlib] = value;
  o->nlib++;
}

static const char **add_glob(const char **v, size_t *n, const char *g) {
  const char **nv = realloc(v, (*n + 1) * sizeof *nv);
  if (!nv) {
    fprintf(stderr, "zhfix: out of memory\n");
    exit(2);
  }
  nv[(*n)++] = g;
  return nv;
}

static int when(const char *arg, const char *opt) {
  if (!arg || strcmp(arg, "always") == 0 || strcmp(arg, "yes") == 0)
    return 1;
  if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0)
    return 0;
  if (strcmp(arg, "auto") == 0)
    return -1;
  die_usage("invalid value for %s (expected auto, always or never)", opt);
  return -1;
}

/* ---- emitting results in order ----------------------------------------------- */

typedef struct run_state {
  cli_ctx ctx;
  cli_opts *o;
  cli_joblist *jobs;
  int out_fd;
  json_t *files;
  size_t changed, errors, skipped;
  int out_err;
} run_state;

static void emit(run_state *rs, cli_job *job) {
  if (job->msg.len)
    cli_stderr(rs->ctx.progress, job->msg.p, job->msg.len);
  if (job->spool_fd >= 0) {
    char buf[CLI_BUF_SIZE];
    if (lseek(job->spool_fd, 0, SEEK_SET) == 0) {
      ssize_t n;
      while ((n = read(job->spool_fd, buf, sizeof buf)) > 0)
        if (!rs->out_err && cli_write_all(rs->out_fd, buf, (size_t)n) < 0)
          rs->out_err = errno;
    }
    close(job->spool_fd);
    job->spool_fd = -1;
  }
  if (job->status == JOB_CHANGED) {
    rs->changed++;
    if (rs->o->check && !rs->o->diff) {
      /* gofmt -l style: one name per line, for xargs. */
      const char *d = cli_display(job->path);
      cli_progress_hold(rs->ctx.progress);
      if (!rs->out_err && (cli_write_all(rs->out_fd, d, strlen(d)) < 0 ||
                           cli_write_all(rs->out_fd, "\n", 1) < 0))
        rs->out_err = errno;
      cli_progress_release(rs->ctx.progress);
    }
  } else if (job->status == JOB_ERROR) {
    rs->errors++;
  } else if (job->status == JOB_SKIPPED) {
    rs->skipped++;
  }
  if (job->report) {
    json_array_append_new(rs->files, job->report);
    job->report = NULL;
  }
  sb_free(&job->msg);
}

/* Text for stdout from a worker waits in an unlinked temporary file, so
 * memory stays bounded however far ahead the workers run. */
static int spool_open(void) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/zhfix-spool-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd >= 0)
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (fd >= 0)
    unlink(path);
  return fd;
}

typedef struct pool {
  run_state *rs;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t next, emitted, window;
  char *done;
  int need_spool;
} pool;

typedef struct worker_arg {
  pool *p;
  int slot;
} worker_arg;

static void *worker(void *arg) {
  worker_arg *wa = arg;
  pool *p = wa->p;
  run_state *rs = p->rs;
  char err[256];
  zhfix *h = cli_handle_new(rs->o, err, sizeof err);
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (p->next < rs->jobs->len && p->next >= p->emitted + p->window)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->next >= rs->jobs->len) {
      pthread_mutex_unlock(&p->mu);
      break;
    }
    size_t idx = p->next++;
    pthread_mutex_unlock(&p->mu);

    cli_job *job = &rs->jobs->v[idx];
    if (!h) {
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: %s\n", cli_display(job->path), err);
    } else {
      int fd = -1;
      if (p->need_spool && (fd = spool_open()) < 0) {
        job->status = JOB_ERROR;
        sb_addf(&job->msg, "zhfix: %s: cannot create a temporary file: %s\n",
                cli_display(job->path), strerror(errno));
      } else {
        job->spool_fd = fd;
        cli_run_job(&rs->ctx, h, job, fd, wa->slot);
      }
    }
    pthread_mutex_lock(&p->mu);
    p->done[idx] = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  zhfix_free(h);
  return NULL;
}

static int run_parallel(run_state *rs, int nthreads) {
  pool p;
  memset(&p, 0, sizeof p);
  p.rs = rs;
  p.window = 4 * (size_t)nthreads + 16;
  p.done = calloc(rs->jobs->len, 1);
  p.need_spool = !rs->o->check || rs->o->diff;
  if (rs->o->in_place && !rs->o->diff)
    p.need_spool = 0;
  pthread_t th[MAX_JOBS];
  worker_arg wa[MAX_JOBS];
  if (!p.done)
    return -1;
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  int started = 0;
  for (int i = 0; i < nthreads; i++) {
    wa[i].p = &p;
    wa[i].slot = i;
    if (pthread_create(&th[i], NULL, worker, &wa[i]) != 0)
      break;
    started++;
  }
  if (started == 0) {
    free(p.done);
    return -1;
  }
  for (size_t k = 0; k < rs->jobs->len; k++) {
    pthread_mutex_lock(&p.mu);
    while (!p.done[k])
      pthread_cond_wait(&p.cv, &p.mu);
    pthread_mutex_unlock(&p.mu);
    emit(rs, &rs->jobs->v[k]);
    pthread_mutex_lock(&p.mu);
    p.emitted = k + 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
  }
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  free(p.done);
  return 0;
}

/* ---- main ------------------------------------------------------------------------ */

static int same_file(const char *a, const struct stat *sb) {
  struct stat sa;
  return strcmp(a, "-") != 0 && stat(a, &sa) == 0 && sa.st_dev == sb->st_dev &&
         sa.st_ino == sb->st_ino;
}

int main(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.jobs = 1;
  o.jsonl_field = "text";
  o.fail_after = UINT64_MAX;
  int color = -1, progress = -1;

  int c;
  while ((c = getopt_long(argc, argv, "o:irj:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_FROM: add_lib(&o, "from", optarg); break;
    case OPT_TO: add_lib(&o, "to", optarg); break;
    case OPT_SCRIPT: add_lib(&o, "script", optarg); break;
    case OPT_PINYIN: add_lib(&o, "pinyin", optarg); break;
    case OPT_QUOTES: add_lib(&o, "quotes", optarg); break;
    case OPT_SPACING: add_lib(&o, "spacing", optarg ? optarg : "on"); break;
    case OPT_FORMAT:
      o.format = zhfix_format_from_name(optarg);
      if (o.format < 0)
        die_usage("invalid value '%s' for --format", optarg);
      break;
    case OPT_CONTROLS: add_lib(&o, "controls", optarg); break;
    case OPT_PUNCT: add_lib(&o, "punct", optarg ? optarg : "on"); break;
    case OPT_MOJIBAKE: add_lib(&o, "mojibake", optarg ? optarg : "on"); break;
    case OPT_ENTITIES: add_lib(&o, "entities", optarg ? optarg : "on"); break;
    case OPT_STRICT: add_lib(&o, "strict", "on"); o.strict = 1; break;
    case OPT_FORCE: add_lib(&o, "force", "on"); o.force = 1; break;
    case OPT_OPENCC_EXACT: add_lib(&o, "opencc-exact", "on"); break;
    case OPT_LOST_MARKER: add_lib(&o, "lost-marker", optarg); break;
    case 'o': o.output = optarg; break;
    case 'i': o.in_place = 1; break;
    case OPT_BACKUP: o.backup_suffix = optarg && *optarg ? optarg : "~"; break;
    case 'r': o.recursive = 1; break;
    case OPT_INCLUDE: o.include = add_glob(o.include, &o.ninclude, optarg); break;
    case OPT_EXCLUDE: o.exclude = add_glob(o.exclude, &o.nexclude, optarg); break;
    case OPT_HIDDEN: o.hidden = 1; break;
    case 'j': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 1)
        die_usage("invalid number of jobs '%s'", optarg);
      o.jobs = n > MAX_JOBS ? MAX_JOBS : (int)n;
      break;
    }
    case OPT_JSONL:
      o.jsonl = 1;
      if (optarg) {
        if (!*optarg)
          die_usage("%s: --jsonl needs a field name", optarg);
        o.jsonl_field = optarg;
      }
      break;
    case OPT_CHECK: o.check = 1; break;
    case OPT_DIFF: o.diff = 1; break;
    case OPT_COLOR: color = when(optarg, "--color"); break;
    case OPT_REPORT:
      if (strcmp(optarg, "json") != 0)
        die_usage("unknown report format '%s' (expected json)", optarg);
      o.report_json = 1;
      break;
    case OPT_REPORT_FILE: o.report_file = optarg; o.report_json = 1; break;
    case OPT_PROGRESS: progress = when(optarg, "--progress"); break;
    case OPT_NO_PROGRESS: progress = 0; break;
    case 'q': o.quiet = 1; break;
    case 'h': fputs(usage_text, stdout); return 0;
    case 'V':
      printf("zhfix %s (libzhfix %s)\n", ZHFIX_VERSION_STRING, zhfix_version());
      return 0;
    default:
      fprintf(stderr, "Try 'zhfix --help' for more information.\n");
      return 2;
    }
  }

  /* Every library option is checked once, here, by the library itself. */
  char err[256];
  zhfix *probe = cli_handle_new(&o, err, sizeof err);
  if (!probe)
    die_usage("%s", err);
  zhfix_free(probe);

  if (o.in_place && o.output)
    die_usage("%s", "-i and -o cannot be combined");
  if (o.check && (o.in_place || o.output))
    die_usage("%s", "--check writes nothing; it cannot be combined with -i or -o");
  if (o.backup_suffix && !o.in_place)
    die_usage("%s", "--backup needs -i");
  if (o.in_place && optind >= argc)
    die_usage("%s", "-i needs file names");
  if ((o.ninclude || o.nexclude || o.hidden) && !o.recursive)
    die_usage("%s", "--include, --exclude and --hidden need -r");
  if (o.backup_suffix && strchr(o.backup_suffix, '/'))
    die_usage("invalid backup suffix '%s'", o.backup_suffix);

  const char *hook = getenv("ZHFIX_TEST_FAIL_AFTER_BYTES");
  if (hook && *hook)
    o.fail_after = strtoull(hook, NULL, 10);

  cli_joblist jobs = {0};
  if (optind >= argc) {
    if (cli_add_arg(&jobs, &o, "-") != 0)
      die_usage("%s", "out of memory");
  }
  for (int i = optind; i < argc; i++)
    if (cli_add_arg(&jobs, &o, argv[i]) != 0)
      die_usage("%s", "out of memory");

  int status = 0;
  int out_fd = 1;
  if (o.output && strcmp(o.output, "-") != 0) {
    struct stat so;
    if (stat(o.output, &so) == 0)
      for (size_t i = 0; i < jobs.len; i++)
        if (same_file(jobs.v[i].path, &so)) {
          fprintf(stderr, "zhfix: %s: output file is also an input (use -i)\n", o.output);
          status = 2;
          goto done;
        }
    out_fd = open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out_fd < 0) {
      fprintf(stderr, "zhfix: %s: %s\n", o.output, strerror(errno));
      status = 2;
      goto done;
    }
  }
  if (color < 0) {
    const char *term = getenv("TERM");
    color = isatty(out_fd) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
  }
  o.color = color;

  uint64_t total = 0;
  for (size_t i = 0; i < jobs.len; i++)
    total += jobs.v[i].size;
  if (progress < 0) {
    /* Not when text or diffs stream to the same terminal: they would tear
     * the bar (the --check list is written around it). */
    int tty_out = isatty(out_fd) && (o.diff || (!o.check && !o.in_place));
    progress = isatty(2) && !o.quiet && !tty_out && (jobs.len > 1 || total > (16u << 20));
  }
  o.progress = progress;

  int nthreads = o.jobs < (int)jobs.len ? o.jobs : (int)jobs.len;
  if (nthreads < 1)
    nthreads = 1;
  if (cli_temp_init(2 * nthreads) != 0) {
    fprintf(stderr, "zhfix: out of memory\n");
    status = 2;
    goto done;
  }
  json_object_seed(0); /* before any thread builds a report object */

  run_state rs;
  memset(&rs, 0, sizeof rs);
  rs.o = &o;
  rs.ctx.o = &o;
  rs.jobs = &jobs;
  rs.out_fd = out_fd;
  rs.files = json_array();
  /* -j with one JSON Lines stream: the records are spread over threads. */
  rs.ctx.record_threads = o.jsonl && jobs.len == 1 ? o.jobs : 1;
  if (o.progress)
    rs.ctx.progress = cli_progress_start(jobs.len, total);

  if (nthreads == 1) {
    zhfix *h = cli_handle_new(&o, err, sizeof err);
    if (!h) {
      fprintf(stderr, "zhfix: %s\n", err);
      exit(2);
    }
    for (size_t k = 0; k < jobs.len; k++) {
      cli_run_job(&rs.ctx, h, &jobs.v[k], out_fd, 0);
      emit(&rs, &jobs.v[k]);
    }
    zhfix_free(h);
  } else if (run_parallel(&rs, nthreads) != 0) {
    fprintf(stderr, "zhfix: cannot start threads\n");
    exit(2);
  }
  cli_progress_stop(rs.ctx.progress);
  rs.ctx.progress = NULL;

  if (rs.out_err) {
    fprintf(stderr, "zhfix: write error on %s: %s\n", o.output ? o.output : "standard output",
            strerror(rs.out_err));
    status = 2;
  }
  if (out_fd != 1 && close(out_fd) != 0) {
    fprintf(stderr, "zhfix: %s: %s\n", o.output, strerror(errno));
    status = 2;
  }

  if (o.report_json) {
    json_t *root = json_object();
    json_object_set_new(root, "zhfix_version", json_string(zhfix_version()));
    json_t *opts = json_object();
    for (int i = 0; i < o.nlib; i++)
      json_object_set_new(opts, o.lib_name[i], json_string(o.lib_value[i]));
    json_object_set_new(root, "options", opts);
    json_object_set_new(root, "files", rs.files);
    rs.files = NULL;
    json_t *tot = json_object();
    json_object_set_new(tot, "files", json_integer((json_int_t)jobs.len));
    json_object_set_new(tot, "changed", json_integer((json_int_t)rs.changed));
    json_object_set_new(tot, "errors", json_integer((json_int_t)rs.errors));
    json_object_set_new(tot, "skipped", json_integer((json_int_t)rs.skipped));
    json_object_set_new(root, "totals", tot);
    FILE *rf = stderr;
    if (o.report_file && strcmp(o.report_file, "-") == 0)
      rf = stdout;
    else if (o.report_file && !(rf = fopen(o.report_file, "w"))) {
      fprintf(stderr, "zhfix: %s: %s\n", o.report_file, strerror(errno));
      status = 2;
    }
    if (rf) {
      if (json_dumpf(root, rf, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
          fputc('\n', rf) == EOF || fflush(rf) != 0 ||
          (rf != stdout && rf != stderr && fclose(rf) != 0)) {
        fprintf(stderr, "zhfix: cannot write the report: %s\n", strerror(errno));
        status = 2;
      }
    }
    json_decref(root);
  }
  json_decref(rs.files);

  if (rs.errors)
    status = 2;
  else if (status == 0 && o.check && rs.changed)
    status = 1;
done:
  for (size_t i = 0; i < jobs.len; i++) {
    free(jobs.v[i].path);
    sb_free(&jobs.v[i].msg);
    json_decref(jobs.v[i].report);
  }
  free(jobs.v);
  free(o.include);
  free(o.exclude);
  return status;
}
