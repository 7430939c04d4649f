# collagenda: `make` builds build/collagenda; `make run` serves the demo clinic;
# `make test` runs `make lint`, then every test, plainly and under AddressSanitizer + UBSan,
# then the browser tests (`make e2e`).

CC ?= cc
SANITIZE ?=
BUILD ?= build
PKGS := libmicrohttpd sqlite3 libpq jansson libsodium libcurl vips libseccomp libarchive

ifeq ($(SANITIZE),)
B := $(BUILD)
OPT := -O2 -D_FORTIFY_SOURCE=2
SANFLAGS :=
KEEP_ASSERTS :=
else
B := $(BUILD)/san
OPT := -O1
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# Sanitizer builds check every assert(), whatever EXTRA_CFLAGS says.
KEEP_ASSERTS := -UNDEBUG
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wwrite-strings -Werror
CFLAGS := -std=c11 -g $(OPT) $(WARN) -fstack-protector-strong -D_GNU_SOURCE \
	-Iinclude $(SANFLAGS) $(EXTRA_CFLAGS) $(KEEP_ASSERTS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libunistring (Unicode folding for search) ships no pkg-config file in Debian.
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lunistring -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka libcurl)

SRCS := $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
WEB_FILES := $(shell find web -type f -not -name '.*' | sort)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/gen/schema.o $(B)/obj/gen/schema_pg.o \
	$(B)/obj/gen/openapi.o \
	$(B)/obj/gen/web.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
API_SRCS := $(sort $(wildcard tests/api/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
API_BINS := $(API_SRCS:tests/api/%.c=$(B)/tests/api/%)
HEADERS := $(shell find include src tests -name '*.h')

.PHONY: all deps run test check check-pg unit api e2e e2e-deps e2e-pg lint clean bench bench-smoke

all: $(B)/collagenda

deps:
	@bash scripts/deps.sh

$(B)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<

$(B)/gen/schema.c: schema.sql $(B)/tools/embed
	@mkdir -p $(dir $@)
	$(B)/tools/embed $@ collagenda_schema_sql schema.sql

$(B)/gen/schema_pg.c: schema-pg.sql $(B)/tools/embed
	@mkdir -p $(dir $@)
	$(B)/tools/embed $@ collagenda_schema_pg_sql schema-pg.sql

$(B)/gen/openapi.c: openapi.json $(B)/tools/embed
	@mkdir -p $(dir $@)
	$(B)/tools/embed $@ collagenda_openapi_json openapi.json

$(B)/tools/embed_web: tools/embed_web.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<

$(B)/gen/web.c: $(WEB_FILES) $(B)/tools/embed_web
	@mkdir -p $(dir $@)
	$(B)/tools/embed_web $@ web $(WEB_FILES)

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/libcollagenda.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/collagenda: $(B)/obj/src/main.o $(B)/libcollagenda.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/unit/%: tests/unit/%.c $(B)/libcollagenda.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $< $(B)/libcollagenda.a $(PKG_LIBS) $(TEST_LIBS)

# The program with the power-cut model under SQLite (tests/vfs): only the tests run it.
TESTVFS := $(B)/tests/collagenda-testvfs
$(TESTVFS): tests/vfs/main.c tests/vfs/crashvfs.c tests/vfs/crashvfs.h $(B)/libcollagenda.a \
		$(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/vfs -o $@ tests/vfs/main.c tests/vfs/crashvfs.c \
		$(B)/libcollagenda.a $(PKG_LIBS)

$(B)/tests/api/%: tests/api/%.c tests/api/harness.c $(B)/libcollagenda.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/api -o $@ $< tests/api/harness.c \
		$(B)/libcollagenda.a $(PKG_LIBS) $(TEST_LIBS)

run: deps $(B)/collagenda
	@mkdir -p var
	$(B)/collagenda serve --demo --db var/clinic.db --bind 127.0.0.1 --port 8080

# Runs the suite once in this build flavour.
check: $(B)/collagenda $(TESTVFS) $(UNIT_BINS) $(API_BINS)
	@COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda COLLAGENDA_TESTVFS_BIN=$(CURDIR)/$(TESTVFS) bash tests/run.sh "$(B)" $(UNIT_BINS) $(API_BINS)

# The store's unit tests and the API suite again on PostgreSQL (tests/pg/run-api.sh: one
# throwaway cluster, a database per unit test and per test server), with the PostgreSQL
# schema's own check and the cluster scripts' self-test (a synchronous standby promoted
# after its primary is killed). The unit binaries are those that include
# tests/unit/unit_db.h; their tests of SQLite itself (its file, backup, WAL and group
# commit, query plans) skip there. The API tests of the SQLite file itself (the command
# line on files, backup, storage faults, power loss) run on SQLite only.
PG_UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,\
	$(shell grep -l '"unit_db.h"' $(UNIT_SRCS)))
PG_API_BINS := $(filter-out %/test_cli %/test_backup %/test_restore %/test_storage %/test_powerloss,\
	$(API_BINS))
check-pg: $(B)/collagenda $(PG_UNIT_BINS) $(PG_API_BINS) $(B)/tests/pg/test_failover \
		$(B)/tests/pg/test_migrate $(B)/tests/pg/test_anchor $(B)/tests/pg/test_socket \
		$(B)/tests/pg/test_claim
	@bash tests/pg/check-schema.sh
	@bash tests/pg/test-cluster.sh
	@bash tests/pg/run-api.sh $(B) $(PG_UNIT_BINS) $(PG_API_BINS) $(B)/tests/pg/test_migrate \
		$(B)/tests/pg/test_anchor $(B)/tests/pg/test_socket $(B)/tests/pg/test_claim
	@COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda bash tests/run.sh postgresql \
		$(B)/tests/pg/test_failover

# Failover (its own primary and synchronous standby), the move from SQLite, and two
# servers' message senders on one database.
$(B)/tests/pg/%: tests/pg/%.c tests/api/harness.c \
		$(B)/libcollagenda.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/api -o $@ $< tests/api/harness.c \
		$(B)/libcollagenda.a $(PKG_LIBS) $(TEST_LIBS)

test: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check-pg
	@$(MAKE) --no-print-directory check SANITIZE=address,undefined
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory e2e-pg
	@$(MAKE) --no-print-directory fuzz-check
	@$(MAKE) --no-print-directory bench-smoke

# The browser tests: playwright-core from tests/e2e/package-lock.json driving Debian's
# chromium against the real server; screenshots go to build/e2e/.
E2E := tests/e2e
e2e-deps:
	@if [ ! -f $(E2E)/node_modules/.package-lock.json ] || \
	    [ $(E2E)/package-lock.json -nt $(E2E)/node_modules/.package-lock.json ]; then \
		cd $(E2E) && npm ci --no-audit --no-fund; fi

e2e: $(B)/collagenda e2e-deps
	@COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda node --test $(E2E)/

# The browser tests again with the server on PostgreSQL.
e2e-pg: $(B)/collagenda e2e-deps
	@COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda bash tests/pg/with-cluster.sh node --test $(E2E)/

# Benchmarks (bench/run.sh): the ceiling of the stack and the server side by side.
BENCH_TOOLS := $(B)/bench/gen $(B)/bench/bare $(B)/bench/insert

$(B)/bench/gen: bench/gen.c src/domain/text.c include/domain/text.h src/util/secrets.c \
		include/util/secrets.h src/util/xalloc.c include/util/xalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ bench/gen.c src/domain/text.c src/util/secrets.c \
		src/util/xalloc.c $(PKG_LIBS)

$(B)/bench/%: bench/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

# The full run: 100,000 patients, 1,000,000 appointments; writes bench/RESULTS.md.
bench: deps $(B)/collagenda $(BENCH_TOOLS)
	@COLLAGENDA=$(B)/collagenda BENCH_BIN=$(B)/bench BENCH_OUT=$(B)/bench bash bench/run.sh full

# The same harness on a tiny dataset, 1 s per endpoint, into $(B)/bench-smoke; never
# asserts timings, fails when a step fails.
bench-smoke: deps $(B)/collagenda $(BENCH_TOOLS)
	@COLLAGENDA=$(B)/collagenda BENCH_BIN=$(B)/bench BENCH_OUT=$(B)/bench-smoke \
		bash bench/run.sh smoke

# Style, static analysis, banned calls, the include layers (scripts/check-includes.sh) and
# the shell scripts; part of `make test`.
SHELL_SCRIPTS := $(wildcard scripts/*.sh) $(wildcard tests/pg/*.sh) tests/run.sh bench/run.sh .ci/run
lint:
	@clang-format --dry-run --Werror $(SRCS) $(shell find include tests -name '*.[ch]')
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem -Iinclude src
	@! grep -rnE \
		'\b(sprintf|vsprintf|strcpy|strncpy|strcat|strncat|gets|atoi|atol|system)[[:space:]]*\(' \
		src include || (echo "banned call found" && false)
	@bash scripts/check-includes.sh
	@shellcheck $(SHELL_SCRIPTS)

clean:
	rm -rf $(BUILD)

# ---- Fuzzing (libFuzzer, clang): `make fuzz FUZZ_SECONDS=N` runs each target for N
# seconds; `make fuzz-check` (part of `make test`) replays the committed corpora and runs
# each target briefly.
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 8
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_TARGETS := fuzz_request fuzz_bodies fuzz_parsers fuzz_images
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_FLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -UNDEBUG
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/gen/schema.o \
	$(FUZZ_DIR)/obj/gen/schema_pg.o \
	$(FUZZ_DIR)/obj/gen/openapi.o $(FUZZ_DIR)/obj/gen/web.o

.PHONY: fuzz fuzz-check

$(FUZZ_DIR)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/clinic.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< \
		tests/fuzz/clinic.c $(FUZZ_OBJS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/$$t $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
			2>&1 | grep -E '^(stat::|#[0-9]+.*DONE)|ERROR|SUMMARY' || exit 1; \
	done

fuzz-check: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		$(FUZZ_DIR)/$$t -runs=0 tests/fuzz/corpus/$$t 2>$(FUZZ_DIR)/$$t.replay.log \
			|| { cat $(FUZZ_DIR)/$$t.replay.log; exit 1; }; \
		$(FUZZ_DIR)/$$t $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_CHECK_SECONDS) -artifact_prefix=$(FUZZ_DIR)/ \
			2>$(FUZZ_DIR)/$$t.log || { tail -40 $(FUZZ_DIR)/$$t.log; exit 1; }; \
		echo "fuzz: $$t replayed $$(ls tests/fuzz/corpus/$$t | wc -l) corpus files, then $$(grep -o 'Done [0-9]* runs' $(FUZZ_DIR)/$$t.log)"; \
	done

# A longer crash-safety run: many SIGKILL rounds during concurrent bookings, then many
# power cuts on the model of tests/vfs during concurrent writes and audited reads.
CRASH_ROUNDS ?= 60
POWERLOSS_ROUNDS ?= 300
.PHONY: crash-soak
crash-soak: $(B)/collagenda $(TESTVFS) $(B)/tests/api/test_crash $(B)/tests/api/test_powerloss
	CRASH_ROUNDS=$(CRASH_ROUNDS) COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda $(B)/tests/api/test_crash
	POWERLOSS_ROUNDS=$(POWERLOSS_ROUNDS) COLLAGENDA_BIN=$(CURDIR)/$(B)/collagenda \
		COLLAGENDA_TESTVFS_BIN=$(CURDIR)/$(TESTVFS) $(B)/tests/api/test_powerloss
