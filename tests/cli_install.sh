#!/usr/bin/env bash
# `make install PREFIX=...` installs the binary, both libraries, the header,
# the man page and zhfix.pc; a small C program is then built against the
# installed library through pkg-config (shared and static) and run.
set -u
. "$(dirname "$0")/util/cli_lib.sh"
SRC=${ZHFIX_SRCDIR:?set ZHFIX_SRCDIR to the source tree}

# The build directory this binary came from, so nothing is rebuilt
# elsewhere: BUILD from the environment, else derived from ZHFIX_BIN.
build=${BUILD:-}
if [ -z "$build" ]; then
  dir=$(cd "$(dirname "$Z")" && pwd)
  src=$(cd "$SRC" && pwd)
  build=${dir#"$src"/}
fi
prefix=$T/prefix
# -o: install what is built and never rebuild it here (a rebuild with other
# flags, or of sources changed meanwhile, would replace the binary the
# other tests are running).
if ! make -C "$SRC" --no-print-directory BUILD="$build" PREFIX="$prefix" \
  -o "$build/zhfix" -o "$build/libzhfix.a" -o "$build/libzhfix.so" install > "$T/log" 2>&1; then
  fail "make install failed:"
  tail -20 "$T/log"
  # fully static (-static): Libs.private must name everything, ICU's C++
# runtime included.  Not under sanitizers (ASan does not link -static).
if [ -z "$san" ]; then
  # shellcheck disable=SC2046
  if $cc -static -o "$T/prog-full" "$T/prog.c" $(pkg-config --cflags zhfix) \
    $(pkg-config --static --libs zhfix) 2> "$T/cc.err"; then
    expect "fully static program" "$version 1 這是簡體中文，測試。" "$("$T/prog-full")"
    if command -v ldd > /dev/null; then
      if ldd "$T/prog-full" 2>&1 | grep -q "not a dynamic executable"; then pass
      else fail "the -static program still loads: $(ldd "$T/prog-full" 2>&1 | head -3)"; fi
    fi
  else
    fail "cannot link fully static with pkg-config --static --libs zhfix: $(grep -v 'dlopen' "$T/cc.err" | head -5)"
  fi
fi
# a custom prefix without LD_LIBRARY_PATH: an rpath to its lib directory
# (README "The library")
# shellcheck disable=SC2046
if $cc $san -o "$T/prog-rpath" "$T/prog.c" $(pkg-config --cflags --libs zhfix) \
  -Wl,-rpath,"$(pkg-config --variable=libdir zhfix)" 2> "$T/cc.err"; then
  expect "program with an rpath to the prefix" "$version 1 這是簡體中文，測試。" \
    "$(env -u LD_LIBRARY_PATH "$T/prog-rpath")"
else
  fail "cannot build with an rpath: $(cat "$T/cc.err")"
fi

echo "$(basename "$0"): $n checks, $fails failed"
  exit 1
fi
for f in bin/zhfix lib/libzhfix.a lib/libzhfix.so include/zhfix.h share/man/man1/zhfix.1 \
  lib/pkgconfig/zhfix.pc; do
  if [ -e "$prefix/$f" ]; then pass; else fail "not installed: $f"; fi
done
version=$("$prefix/bin/zhfix" --version | sed -n 's/^zhfix \([^ ]*\).*/\1/p')
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
expect "pkg-config --modversion" "$version" "$(pkg-config --modversion zhfix)"
expect "pkg-config --cflags" "-I$prefix/include" "$(echo $(pkg-config --cflags zhfix))"
if command -v groff > /dev/null; then
  warn=$(groff -man -ww -z "$prefix/share/man/man1/zhfix.1" 2>&1)
  expect "man page formats without warnings" "" "$warn"
fi

cat > "$T/prog.c" << 'EOF'
/* Uses only the installed header and library. */
#include <stdio.h>
#include <string.h>
#include <zhfix.h>

int main(void) {
  static const char in[] = "这是简体中文,测试。";
  zhfix *h = zhfix_create();
  char *out = NULL;
  size_t n = 0;
  if (!h || zhfix_set_option_string(h, "to", "trad") != ZHFIX_OK)
    return 1;
  if (zhfix_process(h, in, strlen(in), &out, &n) != ZHFIX_OK)
    return 2;
  printf("%s %d %s\n", zhfix_version(), ZHFIX_VERSION_NUMBER == zhfix_version_number(), out);
  zhfix_buffer_free(out);
  zhfix_free(h);
  return 0;
}
EOF
san=
if nm "$prefix/lib/libzhfix.a" 2> /dev/null | grep -q __asan; then san="-fsanitize=address,undefined"; fi
cc=${CC:-cc}
# shellcheck disable=SC2046
if $cc $san -o "$T/prog" "$T/prog.c" $(pkg-config --cflags --libs zhfix) 2> "$T/cc.err"; then
  pass
  got=$(LD_LIBRARY_PATH=$prefix/lib "$T/prog")
  expect "program against the shared library" "$version 1 這是簡體中文，測試。" "$got"
  if command -v ldd > /dev/null; then
    if LD_LIBRARY_PATH=$prefix/lib ldd "$T/prog" | grep -q "$prefix/lib/libzhfix.so"; then pass
    else fail "the program does not use the installed shared library"; fi
  fi
else
  fail "cannot build against the installed library: $(cat "$T/cc.err")"
fi
# static: the archive plus the private libraries pkg-config names
privs=$(pkg-config --static --libs zhfix | tr ' ' '\n' | grep -v -e '^-lzhfix$' -e "^-L$prefix/lib$" | tr '\n' ' ')
# shellcheck disable=SC2086
if $cc $san -o "$T/prog-static" "$T/prog.c" $(pkg-config --cflags zhfix) "$prefix/lib/libzhfix.a" $privs 2> "$T/cc.err"; then
  expect "program against the static library" "$version 1 這是簡體中文，測試。" "$("$T/prog-static")"
else
  fail "cannot link statically with pkg-config --static: $(cat "$T/cc.err")"
fi

# fully static (-static): Libs.private must name everything, ICU's C++
# runtime included.  Not under sanitizers (ASan does not link -static).
if [ -z "$san" ]; then
  # shellcheck disable=SC2046
  if $cc -static -o "$T/prog-full" "$T/prog.c" $(pkg-config --cflags zhfix) \
    $(pkg-config --static --libs zhfix) 2> "$T/cc.err"; then
    expect "fully static program" "$version 1 這是簡體中文，測試。" "$("$T/prog-full")"
    if command -v ldd > /dev/null; then
      if ldd "$T/prog-full" 2>&1 | grep -q "not a dynamic executable"; then pass
      else fail "the -static program still loads: $(ldd "$T/prog-full" 2>&1 | head -3)"; fi
    fi
  else
    fail "cannot link fully static with pkg-config --static --libs zhfix: $(grep -v 'dlopen' "$T/cc.err" | head -5)"
  fi
fi
# a custom prefix without LD_LIBRARY_PATH: an rpath to its lib directory
# (README "The library")
# shellcheck disable=SC2046
if $cc $san -o "$T/prog-rpath" "$T/prog.c" $(pkg-config --cflags --libs zhfix) \
  -Wl,-rpath,"$(pkg-config --variable=libdir zhfix)" 2> "$T/cc.err"; then
  expect "program with an rpath to the prefix" "$version 1 這是簡體中文，測試。" \
    "$(env -u LD_LIBRARY_PATH "$T/prog-rpath")"
else
  fail "cannot build with an rpath: $(cat "$T/cc.err")"
fi

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
