/*
 * zhfix — repair damaged Chinese text and write clean UTF-8.
 *
 * This is the only public header of libzhfix.  Everything the library
 * exports is named zhfix_* / ZHFIX_*.
 *
 * Model
 *   A handle (zhfix *) holds the options and the streaming state of one
 *   document.  Bytes go in, UTF-8 comes out, through a fixed pipeline:
 *
 *     decode -> repair (content-farm, mojibake) -> script conversion
 *            -> punctuation -> UTF-8
 *
 *   Output does not depend on how the input is split into calls: feeding a
 *   document at once or in 1-byte pieces gives byte-identical output.
 *
 * Threads
 *   The library has no global mutable state.  A handle must be used by one
 *   thread at a time; different handles may be used concurrently.  The
 *   tables are read-only and shared.
 *
 * Memory
 *   Internal buffering is bounded (a detection window of at most
 *   ZHFIX_DETECT_WINDOW input bytes, then at most one line or
 *   ZHFIX_MAX_SEGMENT code points), whatever the input size.
 *
 * Errors
 *   Functions that can fail return a zhfix_status (0 = ZHFIX_OK, errors are
 *   negative and their values are pinned).  Allocation failure is reported,
 *   never aborts.
 */
#ifndef ZHFIX_H
#define ZHFIX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(ZHFIX_BUILDING_DLL)
#define ZHFIX_API __declspec(dllexport)
#elif defined(__GNUC__)
#define ZHFIX_API __attribute__((visibility("default")))
#else
#define ZHFIX_API
#endif

#define ZHFIX_VERSION_MAJOR 0
#define ZHFIX_VERSION_MINOR 1
#define ZHFIX_VERSION_PATCH 0
#define ZHFIX_VERSION_STRING "0.1.0"
/* Single number for compile-time comparisons: 10000*major + 100*minor + patch. */
#define ZHFIX_VERSION_NUMBER                                                  \
  (ZHFIX_VERSION_MAJOR * 10000 + ZHFIX_VERSION_MINOR * 100 + ZHFIX_VERSION_PATCH)

/* Encoding detection looks at no more than this many leading bytes. */
#define ZHFIX_DETECT_WINDOW 65536
/* A line longer than this (in code points) is processed in pieces. */
#define ZHFIX_MAX_SEGMENT 16384

/* Runtime version, "MAJOR.MINOR.PATCH". */
ZHFIX_API const char *zhfix_version(void);
ZHFIX_API int zhfix_version_number(void);

/* ---- status ------------------------------------------------------------ */

typedef enum zhfix_status {
  ZHFIX_OK = 0,
  ZHFIX_E_NOMEM = -1,       /* allocation failed; the handle stays valid   */
  ZHFIX_E_INVALID = -2,     /* bad argument or option value (caller error) */
  ZHFIX_E_BAD_INPUT = -3,   /* invalid byte sequence with ZHFIX_OPT_STRICT */
  ZHFIX_E_BINARY = -4,      /* input looks binary (NUL bytes), no FORCE    */
  ZHFIX_E_STATE = -5,       /* call out of order (input after the end)     */
  ZHFIX_E_UNSUPPORTED = -6, /* option or encoding not available            */
  ZHFIX_E_INTERNAL = -7     /* a library bug or an ICU failure             */
} zhfix_status;

/* Static English message for a status; never NULL. */
ZHFIX_API const char *zhfix_strerror(int status);

/* ---- handle ------------------------------------------------------------ */

typedef struct zhfix zhfix;

/* Returns NULL only if memory is exhausted.  Options start at defaults. */
ZHFIX_API zhfix *zhfix_create(void);
/* Frees the handle; NULL is accepted. */
ZHFIX_API void zhfix_free(zhfix *h);
/* Forgets the current document (buffers, statistics, detection) and keeps
 * the options, so the handle can process another document. */
ZHFIX_API zhfix_status zhfix_reset(zhfix *h);

/* ---- options ----------------------------------------------------------- *
 * Options are keyed by an enum so new ones never change the ABI.  They may
 * be set only before the first input of a document (after create or reset);
 * later calls return ZHFIX_E_STATE.  Values are the enums below.            */

typedef enum zhfix_option {
  ZHFIX_OPT_FROM = 1,     /* zhfix_encoding, default ZHFIX_ENC_AUTO          */
  ZHFIX_OPT_TO = 2,       /* zhfix_target, default ZHFIX_TO_KEEP             */
  ZHFIX_OPT_SCRIPT = 3,   /* zhfix_script (the input's), default AUTO        */
  ZHFIX_OPT_PINYIN = 4,   /* zhfix_pinyin, default ZHFIX_PINYIN_AUTO         */
  ZHFIX_OPT_MOJIBAKE = 5, /* 1 = repair wrong decodes (default), 0 = off     */
  ZHFIX_OPT_PUNCT = 6,    /* 1 = normalize punctuation (default), 0 = off    */
  ZHFIX_OPT_QUOTES = 7,   /* zhfix_quotes, default ZHFIX_QUOTES_AUTO         */
  ZHFIX_OPT_SPACING = 8,  /* 1 = space between Han and Latin/digits; 0 (def) */
  ZHFIX_OPT_STRICT = 9,   /* 1 = invalid bytes are an error (E_BAD_INPUT)    */
  ZHFIX_OPT_FORCE = 10,   /* 1 = process input that looks binary             */
  ZHFIX_OPT_FORMAT = 11,  /* zhfix_format, default ZHFIX_FORMAT_AUTO          */
  ZHFIX_OPT_CONTROLS = 12, /* zhfix_controls, default ZHFIX_CONTROLS_KEEP      */
  /* 1 = conversion uses OpenCC's dictionaries exactly as published, without
   * zhfix's errata (docs/conversion.md); 0 (default) applies them. */
  ZHFIX_OPT_OPENCC_EXACT = 13,
  /* What a lost byte left unrepaired shows: 0 (default) the mark the
   * damage left, '?' or U+FFFD; else this character (a Unicode scalar
   * value that is no control), written for every '?' and U+FFFD inside a
   * span reported as unrecoverable (zhfix_get_span).  String values
   * "keep", one character, or "U+XXXX". */
  ZHFIX_OPT_LOST_MARKER = 14,
  /* 1 = decode HTML character references left in plain text (default), 0 =
   * off.  Only in documents of format TEXT, never in a line with a tag
   * (docs/repair-mojibake.md, "Character references"). */
  ZHFIX_OPT_ENTITIES = 15,
  /* zhfix_lost: what becomes of bytes a decoder replaced or dropped
   * (docs/repair-lost.md).  OFF: the lost-byte lattice does not run; the
   * mojibake stage fills or marks what it can.  MARK (default): the
   * lattice rebuilds a line, a character only where the surviving bytes
   * determine it or the language model's reading wins by a clear margin,
   * the rest is marked (U+FFFD, or ZHFIX_OPT_LOST_MARKER) and reported as
   * unrecoverable; dropped-byte damage (iconv -c) is detected on evidence;
   * lines of the classes where the mojibake stage's own fills do better
   * (UTF-8 read as GBK or cp1252 with U+FFFD or '?') are left to them.
   * GUESS: every gap gets the best candidate; those characters are still
   * reported, and counted in ZHFIX_STAT_LOST_GUESSED.  The search is
   * bounded per line (ZHFIX_STAT_LOST_OVER_BUDGET counts the lines it gave
   * up on, left to the mojibake stage).  Needs ZHFIX_OPT_MOJIBAKE. */
  ZHFIX_OPT_LOST = 16
} zhfix_option;

typedef enum zhfix_lost { ZHFIX_LOST_OFF = 0, ZHFIX_LOST_MARK = 1, ZHFIX_LOST_GUESS = 2 } zhfix_lost;

typedef enum zhfix_encoding {
  ZHFIX_ENC_AUTO = 0, /* BOM, then UTF-8 (valid, or by clear odds despite a
                         few bad bytes), then GB18030 vs Big5 */
  ZHFIX_ENC_UTF8 = 1,
  ZHFIX_ENC_UTF16LE = 2,
  ZHFIX_ENC_UTF16BE = 3,
  ZHFIX_ENC_GB18030 = 4, /* also GBK and GB2312 */
  ZHFIX_ENC_BIG5 = 5,
  ZHFIX_ENC_BIG5HKSCS = 6
} zhfix_encoding;

typedef enum zhfix_target {
  ZHFIX_TO_KEEP = 0, /* leave the script alone */
  ZHFIX_TO_SIMP = 1, /* Simplified (mainland)  */
  ZHFIX_TO_TRAD = 2, /* Traditional, OpenCC standard */
  ZHFIX_TO_TW = 3,   /* Taiwan characters */
  ZHFIX_TO_TWP = 4,  /* Taiwan characters and phrases */
  ZHFIX_TO_HK = 5,   /* Hong Kong characters */
  ZHFIX_TO_HKP = 6,  /* Hong Kong characters and phrases */
  ZHFIX_TO_JP = 7    /* Japanese shinjitai (from Traditional kyujitai) */
} zhfix_target;

typedef enum zhfix_script {
  ZHFIX_SCRIPT_AUTO = 0, /* detect from a bounded prefix */
  ZHFIX_SCRIPT_SIMP = 1,
  ZHFIX_SCRIPT_TRAD = 2, /* OpenCC standard Traditional */
  ZHFIX_SCRIPT_TW = 3,   /* Taiwan characters */
  ZHFIX_SCRIPT_TWP = 4,  /* Taiwan characters and phrases */
  ZHFIX_SCRIPT_HK = 5,   /* Hong Kong characters */
  ZHFIX_SCRIPT_HKP = 6,  /* Hong Kong characters and phrases */
  ZHFIX_SCRIPT_JP = 7    /* Japanese shinjitai (never detected) */
} zhfix_script;

typedef enum zhfix_pinyin {
  ZHFIX_PINYIN_AUTO = 0,  /* strip X(py) only where the document is damaged */
  ZHFIX_PINYIN_STRIP = 1, /* always strip X(py) when py is a reading of X   */
  ZHFIX_PINYIN_KEEP = 2   /* never strip annotations                        */
} zhfix_pinyin;

typedef enum zhfix_quotes {
  ZHFIX_QUOTES_AUTO = 0,   /* style of the target region */
  ZHFIX_QUOTES_CURLY = 1,  /* “ ” with ‘ ’ inside        */
  ZHFIX_QUOTES_CORNER = 2, /* 「 」 with 『 』 inside      */
  ZHFIX_QUOTES_KEEP = 3
} zhfix_quotes;

/* What kind of file the text is.  Typography (the punctuation stage: width,
 * quotes, spacing...) applies only to its prose; repairs and script
 * conversion apply everywhere.  docs/formats.md says, per format, what is
 * prose.  AUTO: the caller did not say (the command line maps file names
 * with zhfix_format_from_path); the library then looks at the content of
 * the detection window (front matter, doctype, <?xml, .TH, JSON, a
 * shebang...) and otherwise reads it as TEXT.                              */
typedef enum zhfix_format {
  ZHFIX_FORMAT_AUTO = 0,
  ZHFIX_FORMAT_TEXT = 1,     /* plain text: prose, but never URLs, e-mail
                                addresses, paths, `code`, nor lines that
                                look like code or data                    */
  ZHFIX_FORMAT_MARKDOWN = 2, /* prose; never code, link targets, HTML,
                                front matter, block markers, tables'
                                structure                                 */
  ZHFIX_FORMAT_HTML = 3,     /* HTML and XML: text nodes; never tags,
                                attributes, script, style, pre, code      */
  ZHFIX_FORMAT_TROFF = 4,    /* man pages: text lines; never requests,
                                macros, escapes                           */
  ZHFIX_FORMAT_DATA = 5,     /* JSON, YAML, TOML, INI, CSV, .po...: none  */
  ZHFIX_FORMAT_SUBTITLE = 6, /* SRT, WebVTT, ASS: the subtitle text only  */
  /* Source code: comments only, never code or string literals. */
  ZHFIX_FORMAT_C = 7,        /* C, C++, Objective-C, Java, C#, Kotlin,
                                Scala, Swift                              */
  ZHFIX_FORMAT_JS = 8,       /* JavaScript, TypeScript, JSX, Dart, Groovy */
  ZHFIX_FORMAT_GO = 9,
  ZHFIX_FORMAT_RUST = 10,
  ZHFIX_FORMAT_CSS = 11,     /* CSS, SCSS, Less                            */
  ZHFIX_FORMAT_PYTHON = 12,
  ZHFIX_FORMAT_SHELL = 13,   /* sh, bash, zsh, Makefile, Dockerfile...    */
  ZHFIX_FORMAT_RUBY = 14,
  ZHFIX_FORMAT_PERL = 15,
  ZHFIX_FORMAT_SQL = 16,
  ZHFIX_FORMAT_LUA = 17,
  ZHFIX_FORMAT_PHP = 18,     /* PHP code inside HTML                       */
  ZHFIX_FORMAT_VUE = 19      /* Vue/Svelte components: HTML template,
                                script (as JS), style (as CSS)            */
} zhfix_format;

/* Control characters (C0, C1, DEL, ANSI escape sequences; tab and line
 * ends are never touched): kept as they are, or removed from prose. */
typedef enum zhfix_controls {
  ZHFIX_CONTROLS_KEEP = 0,
  ZHFIX_CONTROLS_STRIP = 1
} zhfix_controls;

ZHFIX_API zhfix_status zhfix_set_option(zhfix *h, zhfix_option opt, int value);
/* Returns the option's value, or ZHFIX_E_INVALID for an unknown option. */
ZHFIX_API int zhfix_get_option(const zhfix *h, zhfix_option opt);

/* Sets an option by its command-line name and value, as `zhfix --NAME=VALUE`
 * spells them: from (auto utf-8 utf-16le utf-16be gb18030 gbk gb2312 big5
 * big5-hkscs), to (keep simp trad tw twp hk hkp jp), script (auto simp trad
 * tw twp hk hkp jp), pinyin (auto strip keep), quotes (auto curly corner
 * keep), format (auto text markdown html xml troff data subtitle c cpp
 * java csharp kotlin swift js ts go rust css python shell ruby perl sql
 * lua php vue and the other names zhfix_format_from_name knows), controls
 * (keep strip), and the switches mojibake, entities, punct, spacing,
 * strict, force, opencc-exact (on off 1 0 yes no).
 * Returns ZHFIX_E_INVALID for an unknown name or value. */
ZHFIX_API zhfix_status zhfix_set_option_string(zhfix *h, const char *name,
                                               const char *value);

/* Canonical lower-case names ("gb18030", "simp", ...) and their parsers.
 * The parsers return the enum value, or ZHFIX_E_INVALID. */
ZHFIX_API const char *zhfix_encoding_name(int enc);
ZHFIX_API int zhfix_encoding_from_name(const char *name);
ZHFIX_API const char *zhfix_script_name(int script);
/* Formats: the canonical name of a zhfix_format ("markdown", "c", ...;
 * "unknown" for other values), and the value of a name or alias
 * ("md", "cpp", "yaml" -> DATA, ...), or ZHFIX_E_INVALID. */
ZHFIX_API const char *zhfix_format_name(int format);
ZHFIX_API int zhfix_format_from_name(const char *name);
/* The format a file name stands for, from its extension or its whole base
 * name (README.md -> MARKDOWN, x.json -> DATA, Makefile -> SHELL,
 * ls.1 or ls.1.gz -> TROFF, main.c -> C...); ZHFIX_FORMAT_AUTO when the
 * name says nothing (then the content decides).  Only the name is read,
 * never the file.  A directory part is ignored; NULL gives AUTO. */
ZHFIX_API int zhfix_format_from_path(const char *path);

/* ---- streaming ---------------------------------------------------------- *
 * zstd-style: the caller owns both buffers; the library reads from
 * in->src + in->pos and writes to out->dst + out->pos, and only advances
 * the two pos fields.  Bytes of out->dst between the new out->pos and
 * out->size may be overwritten (a line is encoded in place when it fits);
 * nothing past out->size ever is.
 *
 *   end = ZHFIX_CONTINUE: more input will follow.
 *   end = ZHFIX_END:      in holds the last input; call again (with the same
 *                         or an empty in) until *pending is 0.
 *
 * *pending (may be NULL) receives the number of bytes still buffered inside
 * the handle: output not yet written plus input not yet turned into output.
 * With ZHFIX_END, 0 means the document is complete.  Output is produced
 * line by line, so pending can be up to one line (bounded by
 * ZHFIX_MAX_SEGMENT) plus the detection window.
 *
 * On ZHFIX_E_BAD_INPUT (strict) or ZHFIX_E_BINARY the document cannot
 * continue; zhfix_reset() starts a new one.                                  */

typedef struct zhfix_in {
  const void *src;
  size_t size;
  size_t pos;
} zhfix_in;

typedef struct zhfix_out {
  void *dst;
  size_t size;
  size_t pos;
} zhfix_out;

typedef enum zhfix_directive { ZHFIX_CONTINUE = 0, ZHFIX_END = 1 } zhfix_directive;

ZHFIX_API zhfix_status zhfix_stream(zhfix *h, zhfix_out *out, zhfix_in *in,
                                    zhfix_directive end, size_t *pending);

/* One-shot: resets the handle, processes src[0..len) as a whole document
 * and returns a NUL-terminated malloc'ed buffer in *out (length in *outlen,
 * the NUL not counted), to be released with zhfix_buffer_free().  On error
 * *out is NULL.  Statistics describe this document afterwards.             */
ZHFIX_API zhfix_status zhfix_process(zhfix *h, const void *src, size_t len,
                                     char **out, size_t *outlen);
ZHFIX_API void zhfix_buffer_free(char *buf);

/* ---- statistics --------------------------------------------------------- *
 * Counters for the current document, keyed by an enum; new counters are
 * appended.  zhfix_stat_name() gives a stable snake_case key (for reports).  */

typedef enum zhfix_stat {
  ZHFIX_STAT_BYTES_IN = 0,
  ZHFIX_STAT_BYTES_OUT,
  ZHFIX_STAT_INVALID_SEQUENCES,   /* bytes sequences replaced by U+FFFD      */
  ZHFIX_STAT_FIRST_INVALID_OFFSET,/* byte offset of the first; UINT64_MAX: none */
  ZHFIX_STAT_ENCODING,            /* zhfix_encoding used to decode (resolved) */
  ZHFIX_STAT_SCRIPT,              /* zhfix_script of the input (resolved)     */
  ZHFIX_STAT_PINYIN_REMOVED,      /* aligned X(py) annotations removed        */
  ZHFIX_STAT_MISALIGNED_REPAIRED, /* byte-misaligned spans decoded in phase   */
  ZHFIX_STAT_LOST_BYTES_RESTORED, /* bytes rebuilt from constraints or the LM */
  ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK,
  ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5,
  ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1, /* Latin-1 or Windows-1252 */
  ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE,    /* decoded wrongly twice   */
  ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5,
  ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK,
  ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1,  /* GBK or Big5 read as Latin-1/1252 */
  ZHFIX_STAT_MOJIBAKE_LOSSY,          /* lossy spans partly recovered      */
  ZHFIX_STAT_ENTITIES_DECODED,        /* &#...; &amp; #xff1a; left in text */
  ZHFIX_STAT_CHARS_CONVERTED,         /* characters changed by conversion  */
  ZHFIX_STAT_PUNCT_CHANGED,           /* punctuation/typography edits      */
  ZHFIX_STAT_UNRECOVERABLE_SPANS,     /* damage detected but left as is    */
  ZHFIX_STAT_FORMAT,                  /* zhfix_format used (resolved)      */
  /* 1 when ZHFIX_ENC_AUTO chose the encoding on weak evidence: readings
   * close to each other, UTF-8 taken in spite of invalid bytes without
   * clear odds, or a legacy reading no better than random characters.
   * 0 for a BOM, valid UTF-8, clear odds, or an encoding given by FROM. */
  ZHFIX_STAT_ENCODING_GUESSED,
  ZHFIX_STAT_C1_AS_1252,              /* C1 controls read as windows-1252  */
  /* Lines rebuilt by the lost-byte lattice (a decoder replaced or dropped
   * bytes: docs/repair-lost.md), and the characters --lost=guess filled
   * with a best candidate (a guess, also reported as unrecoverable). */
  ZHFIX_STAT_LOST_LINES,
  ZHFIX_STAT_LOST_GUESSED,
  /* Lines the lattice gave up on because they would cost more search than
   * their length allows (docs/repair-lost.md, "Cost"): left to the
   * mojibake stage as they came. */
  ZHFIX_STAT_LOST_OVER_BUDGET,
  ZHFIX_STAT__COUNT
} zhfix_stat;

ZHFIX_API uint64_t zhfix_get_stat(const zhfix *h, zhfix_stat which);
ZHFIX_API const char *zhfix_stat_name(zhfix_stat which);

/* Unrecoverable spans of the current document, in input order: the i-th
 * span's byte offset and length in the input.  Returns 0 when i is out of
 * range (at most ZHFIX_MAX_SPANS are kept; the counter has them all). */
#define ZHFIX_MAX_SPANS 1024
ZHFIX_API int zhfix_get_span(const zhfix *h, size_t i, uint64_t *offset,
                             uint64_t *length);

#ifdef __cplusplus
}
#endif
#endif /* ZHFIX_H */
