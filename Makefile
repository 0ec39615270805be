# Tandem. `make run` starts everything on embedded defaults; `make test` runs every test.
GO        ?= go
BIN       := bin/tandem
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK   := golang.org/x/vuln/cmd/govulncheck@v1.9.0

.PHONY: run build test test-dates lint fuzz-list bench bench-import bench-census bench-disk fuzz clean web web-check

## run: build and start `tandem dev` (embedded Temporal + SQLite) on http://127.0.0.1:8080
run: build
	./$(BIN) dev $(ARGS)

## build: compile the single binary into bin/tandem
build:
	$(GO) build -o $(BIN) ./cmd/tandem

## web: rebuild the web UI (web/dist, committed and embedded) from web/src with npm ci (Node 20)
web:
	cd web && npm ci --no-audit --no-fund && npx vite build
	$(GO) test ./web -run TestBundleMatchesSources -update

## web-check: rebuild the UI in a scratch copy and fail if web/dist differs from it
web-check:
	./scripts/web-check.sh

## test: every test, then the date-sensitive ones again on awkward days (test-dates);
## PostgreSQL ones on DATABASE_URL or a throwaway local cluster
test:
	./scripts/with-postgres.sh sh -c '$(GO) test -count=1 -timeout 30m ./... && GO=$(GO) ./scripts/test-dates.sh'

## backup-drill: the backup and restore drill of docs/operations.md (scripts/backup-drill.sh
## against the real Temporal server on PostgreSQL, restored into a fresh cluster)
.PHONY: backup-drill
backup-drill:
	./scripts/with-postgres.sh $(GO) test ./cmd/tandem -run '^TestBackupRestoreDrill$$' -count=1 -v

## test-dates: the calendar, workflow and API tests on awkward days, and the binary with its
## clock shifted (TEST_DATES="2027-02-05 …" to choose)
test-dates:
	./scripts/with-postgres.sh env GO=$(GO) ./scripts/test-dates.sh

## lint: formatting, vet, staticcheck (default checks), Temporal's workflow determinism check,
## FUZZ_TARGETS against the fuzz tests in the tree, and govulncheck on a local vulnerability
## database (scripts/vulncheck.sh; reachable findings fail unless vulncheck-allow.txt says why)
lint: fuzz-list
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(WORKFLOWCHECK) ./...
	GO=$(GO) GOVULNCHECK=$(GOVULNCHECK) ./scripts/vulncheck.sh

## bench: benchmarks (each reports a ratio against a baseline measured in the same run);
## the inbox benchmark seeds 1,000,000 tasks in PostgreSQL (about a minute)
bench:
	./scripts/with-postgres.sh $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

## bench-census: a census round over 10,000 organizations (CENSUS_ORGS=100000 for the stretch)
## against bare SDK workflows on the embedded server, and the coverage report over 1,000,000
## organizations on PostgreSQL
bench-census:
	./scripts/with-postgres.sh $(GO) test ./bench -run '^$$' -bench 'Census|Coverage' -benchtime 1x -timeout 60m -v

## bench-import: the roster import against psql \copy of the same 1,000,000-row files
bench-import:
	./scripts/with-postgres.sh $(GO) test ./bench -run '^$$' -bench 'Import|XLSX' -benchtime 1x -timeout 60m

## bench-disk: the embedded Temporal server's file after two census rounds over DISK_ORGS
## (10,000) organizations through the real `tandem dev` (TANDEM_BINARY=… measures another build;
## DISK_RETENTION, default 1m, is the namespace retention it runs with)
DISK_ORGS ?= 10000
DISK_RETENTION ?= 1m
bench-disk:
	TANDEM_DISK_BENCH_ORGS=$(DISK_ORGS) TANDEM_DISK_BENCH_RETENTION=$(DISK_RETENTION) $(GO) test ./cmd/tandem -run '^TestEmbeddedTemporalDiskFigures$$' -count=1 -v -timeout 3h

## fuzz: fuzz each of FUZZ_TARGETS for FUZZTIME (default 30s), or share FUZZTOTAL (whole
## seconds, e.g. FUZZTOTAL=60s as in CI) evenly between them. Their seed corpora run in `make test`.
## One line per target, ./package:FuzzName; `make lint` fails on a fuzz test missing here.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./domain:FuzzParseUSCC \
	./domain:FuzzParseScheme \
	./domain:FuzzTaskQueryCheck \
	./forms:FuzzValidate \
	./calendar:FuzzAddWorkingDays \
	./calendar:FuzzParsePeriod \
	./api:FuzzParseAsOf \
	./api:FuzzRequestBodies \
	./roster:FuzzParse \
	./roster:FuzzXLSX \
	./roster:FuzzCSVMatchesEncodingCSV \
	./roster:FuzzPlainText \

fuzz: fuzz-list
	@set -e; t=$(FUZZTIME); \
	if [ -n "$(FUZZTOTAL)" ]; then t=$$(( $(FUZZTOTAL:s=) / $(words $(FUZZ_TARGETS)) )); [ $$t -ge 1 ] || t=1; t=$${t}s; fi; \
	GO=$(GO) ./scripts/fuzz.sh $$t $(FUZZ_TARGETS)

# fuzz-list: FUZZ_TARGETS names exactly the Fuzz functions in the tree's _test.go files
fuzz-list:
	@found=$$(git grep --untracked -o -E '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed -E 's#^(.*)/[^/]*:func #./\1:#' | tr '\n' ' '); \
	missing=; for t in $$found; do case " $(FUZZ_TARGETS) " in *" $$t "*) ;; *) missing="$$missing $$t";; esac; done; \
	extra=; for t in $(FUZZ_TARGETS); do case " $$found " in *" $$t "*) ;; *) extra="$$extra $$t";; esac; done; \
	[ -z "$$missing" ] || { echo "fuzz tests missing from FUZZ_TARGETS in the Makefile:$$missing"; exit 1; }; \
	[ -z "$$extra" ] || { echo "FUZZ_TARGETS names fuzz tests that do not exist:$$extra"; exit 1; }

clean:
	rm -rf bin
