# funcstack — see README.md. `make help` lists the targets.
GO        ?= go
WORKSPACE ?= workflows
PKGS      := ./...
TEST_TIMEOUT ?= 15m

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/funcstack
	$(GO) build -o bin/funcstack ./cmd/funcstack

.PHONY: run
run: ## serve the example workspace over HTTP (FUNCSTACK_ADDR, default 127.0.0.1:8080)
	$(GO) run ./cmd/funcstack serve --workspace $(WORKSPACE)

.PHONY: test
test: ## run every test (Go tests with the race detector, the example workspace, fuzz seed corpora, the UI)
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)
	$(GO) run ./cmd/funcstack validate --workspace $(WORKSPACE)
	$(MAKE) test-ui

.PHONY: ui
ui: ## build the builder UI into ui/dist (npm ci + vite build; ui/dist is committed so go install needs no Node)
	cd ui && npm ci --no-audit --no-fund && npm run build

.PHONY: test-ui
test-ui: build ## end-to-end tests of the builder UI in headless Chromium (/usr/bin/chromium) against a real funcstack serve (screenshots in ui/test/artifacts), and a client generated from /openapi.json calling the example shop
	@test -x $${CHROMIUM:-/usr/bin/chromium} || (echo 'test-ui needs Chromium: apt-get install -y chromium (or set CHROMIUM)'; exit 1)
	cd ui && (test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund)
	cd ui && FUNCSTACK_BIN=$(CURDIR)/bin/funcstack node test/e2e.mjs
	cd ui && FUNCSTACK_BIN=$(CURDIR)/bin/funcstack node test/openapi-client.mjs

.PHONY: test-race
test-race: ## the Go tests alone, with the race detector (make test runs them so too)
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

.PHONY: bench
bench: ## run the benchmarks (BENCHCOUNT times) and print the medians beside their hand-written Go limits
	$(GO) test -run '^$$' -bench . -benchmem -count=$(BENCHCOUNT) -timeout 30m ./engine/ ./engine/store/ ./engine/durable/ ./steps/ ./api/ | tee .bench.out
	$(GO) run ./cmd/benchreport < .bench.out

.PHONY: crash
crash: ## kill -9 a serve process mid-way through 1,000 durable executions (and in-memory runs) and restart it at once (SQLite and PostgreSQL)
	FUNCSTACK_CRASH_N=1000 CI=true $(GO) test -count=1 -v -run 'TestDurableRunsSurviveSIGKILL' -timeout 10m ./cmd/funcstack/

.PHONY: scale
scale: ## three serve processes on one PostgreSQL, 5,000 durable executions, one killed mid-way; a task every second runs once per tick and catches up once
	FUNCSTACK_SCALE_N=5000 CI=true $(GO) test -count=1 -v -run 'TestScaleOut' -timeout 15m ./cmd/funcstack/

FUZZTIME ?= 60s
BENCHCOUNT ?= 5
.PHONY: fuzz
fuzz: ## fuzz the definition loader/compiler, the expression fast path against expr's VM, the interpreter (FUZZTIME each), and 10,000 random wheres in memory against SQLite and PostgreSQL
	$(GO) test -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzExpr$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzFastExpr$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzRun$$' -fuzztime $(FUZZTIME) ./engine/
	FUNCSTACK_WHERE_CASES=10000 FUNCSTACK_WHERE_SEED=$${FUNCSTACK_WHERE_SEED:-$$(date +%s)} CI=true $(GO) test -count=1 -run '^TestWhereDifferential$$' -v ./engine/tables/

.PHONY: docs
docs: ## regenerate the pages made from the registries: docs/steps.md, docs/functions.md and workflows/funcstack.schema.json
	$(GO) run ./cmd/funcstack steps --markdown > docs/steps.md
	$(GO) run ./cmd/funcstack functions --markdown > docs/functions.md
	$(GO) run ./cmd/funcstack schema > workflows/funcstack.schema.json

# staticcheck's version, pinned: .ci/run installs the same one.
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$($(GO) env GOPATH)/bin/staticcheck)
.PHONY: lint
lint: ## gofmt, go vet and staticcheck (the version pinned here; .ci/run installs it)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo 'run gofmt -w'; exit 1)
	$(GO) vet $(PKGS)
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(patsubst v%,%,$(STATICCHECK_VERSION)))' || (echo 'make lint needs staticcheck $(STATICCHECK_VERSION): go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)'; exit 1)
	$(STATICCHECK) $(PKGS)
