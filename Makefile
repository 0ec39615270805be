# Tandem. `make run` starts everything on embedded defaults; `make test` runs every test.
GO        ?= go
BIN       := bin/tandem
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

.PHONY: run build test test-dates lint bench bench-import bench-census fuzz clean

## run: build and start `tandem dev` (embedded Temporal + SQLite) on http://127.0.0.1:8080
run: build
	./$(BIN) dev $(ARGS)

## build: compile the single binary into bin/tandem
build:
	$(GO) build -o $(BIN) ./cmd/tandem

## test: every test, then the date-sensitive ones again on awkward days (test-dates);
## PostgreSQL ones on DATABASE_URL or a throwaway local cluster
test:
	./scripts/with-postgres.sh sh -c '$(GO) test -count=1 -timeout 30m ./... && GO=$(GO) ./scripts/test-dates.sh'

## test-dates: the calendar, workflow and API tests on awkward days, and the binary with its
## clock shifted (TEST_DATES="2027-02-05 …" to choose)
test-dates:
	./scripts/with-postgres.sh env GO=$(GO) ./scripts/test-dates.sh

## lint: formatting, vet and Temporal's workflow determinism check
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(WORKFLOWCHECK) ./...

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

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./domain -run '^$$' -fuzz FuzzParseUSCC -fuzztime $(FUZZTIME)
	$(GO) test ./forms -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZTIME)
	$(GO) test ./calendar -run '^$$' -fuzz FuzzAddWorkingDays -fuzztime $(FUZZTIME)
	$(GO) test ./calendar -run '^$$' -fuzz FuzzParsePeriod -fuzztime $(FUZZTIME)
	$(GO) test ./domain -run '^$$' -fuzz FuzzParseScheme -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzMonthEndOf -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzRequestBodies -fuzztime $(FUZZTIME)
	$(GO) test ./roster -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
