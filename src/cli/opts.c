/* The command line: the options, their checks, --help and --version.
 * See docs/cli.md and docs/zhfix.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The most threads -j gives. */
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
    "      --lost=MODE         bytes a decoder replaced or dropped: mark (default:\n"
    "                          the lattice rebuilds what the bytes and the model\n"
    "                          determine and marks the rest; iconv -c damage\n"
    "                          detected), off (the mojibake stage's own fills\n"
    "                          only) or guess (fill every gap, counted apart)\n"
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
  OPT_OPENCC_EXACT, OPT_LOST_MARKER, OPT_ENTITIES, OPT_LOST
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
    {"lost", required_argument, NULL, OPT_LOST},
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

int cli_parse_args(int argc, char **argv, cli_opts *o) {
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  o->jsonl_field = "text";
  o->fail_after = UINT64_MAX;
  o->color = o->progress = -1;
  int c;
  while ((c = getopt_long(argc, argv, "o:irj:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_FROM: add_lib(o, "from", optarg); break;
    case OPT_TO: add_lib(o, "to", optarg); break;
    case OPT_SCRIPT: add_lib(o, "script", optarg); break;
    case OPT_PINYIN: add_lib(o, "pinyin", optarg); break;
    case OPT_QUOTES: add_lib(o, "quotes", optarg); break;
    case OPT_SPACING: add_lib(o, "spacing", optarg ? optarg : "on"); break;
    case OPT_FORMAT:
      o->format = zhfix_format_from_name(optarg);
      if (o->format < 0)
        die_usage("invalid value '%s' for --format", optarg);
      break;
    case OPT_CONTROLS: add_lib(o, "controls", optarg); break;
    case OPT_PUNCT: add_lib(o, "punct", optarg ? optarg : "on"); break;
    case OPT_MOJIBAKE: add_lib(o, "mojibake", optarg ? optarg : "on"); break;
    case OPT_ENTITIES: add_lib(o, "entities", optarg ? optarg : "on"); break;
    case OPT_STRICT: add_lib(o, "strict", "on"); o->strict = 1; break;
    case OPT_FORCE: add_lib(o, "force", "on"); o->force = 1; break;
    case OPT_OPENCC_EXACT: add_lib(o, "opencc-exact", "on"); break;
    case OPT_LOST_MARKER: add_lib(o, "lost-marker", optarg); break;
    case OPT_LOST: add_lib(o, "lost", optarg); break;
    case 'o': o->output = optarg; break;
    case 'i': o->in_place = 1; break;
    case OPT_BACKUP: o->backup_suffix = optarg && *optarg ? optarg : "~"; break;
    case 'r': o->recursive = 1; break;
    case OPT_INCLUDE: o->include = add_glob(o->include, &o->ninclude, optarg); break;
    case OPT_EXCLUDE: o->exclude = add_glob(o->exclude, &o->nexclude, optarg); break;
    case OPT_HIDDEN: o->hidden = 1; break;
    case 'j': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 1)
        die_usage("invalid number of jobs '%s'", optarg);
      o->jobs = n > MAX_JOBS ? MAX_JOBS : (int)n;
      break;
    }
    case OPT_JSONL:
      o->jsonl = 1;
      if (optarg) {
        if (!*optarg)
          die_usage("%s: --jsonl needs a field name", optarg);
        o->jsonl_field = optarg;
      }
      break;
    case OPT_CHECK: o->check = 1; break;
    case OPT_DIFF: o->diff = 1; break;
    case OPT_COLOR: o->color = when(optarg, "--color"); break;
    case OPT_REPORT:
      if (strcmp(optarg, "json") != 0)
        die_usage("unknown report format '%s' (expected json)", optarg);
      o->report_json = 1;
      break;
    case OPT_REPORT_FILE: o->report_file = optarg; o->report_json = 1; break;
    case OPT_PROGRESS: o->progress = when(optarg, "--progress"); break;
    case OPT_NO_PROGRESS: o->progress = 0; break;
    case 'q': o->quiet = 1; break;
    case 'h': fputs(usage_text, stdout); exit(0);
    case 'V':
      printf("zhfix %s (libzhfix %s)\n", ZHFIX_VERSION_STRING, zhfix_version());
      exit(0);
    default:
      fprintf(stderr, "Try 'zhfix --help' for more information.\n");
      exit(2);
    }
  }
  return optind;
}

void cli_check_args(const cli_opts *o, int nfiles) {
  /* Every library option is checked once, here, by the library itself. */
  char err[256];
  zhfix *probe = cli_handle_new(o, err, sizeof err);
  if (!probe)
    die_usage("%s", err);
  zhfix_free(probe);

  if (o->in_place && o->output)
    die_usage("%s", "-i and -o cannot be combined");
  if (o->check && (o->in_place || o->output))
    die_usage("%s", "--check writes nothing; it cannot be combined with -i or -o");
  if (o->backup_suffix && !o->in_place)
    die_usage("%s", "--backup needs -i");
  if (o->in_place && nfiles == 0)
    die_usage("%s", "-i needs file names");
  if ((o->ninclude || o->nexclude || o->hidden) && !o->recursive)
    die_usage("%s", "--include, --exclude and --hidden need -r");
  if (o->backup_suffix && strchr(o->backup_suffix, '/'))
    die_usage("invalid backup suffix '%s'", o->backup_suffix);
}
