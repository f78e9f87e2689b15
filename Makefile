# entgar's build, test, demo and benchmark targets. `make test` installs the
# test peers it needs when they are missing (Debian packages, as root or
# through sudo).

GO       ?= go
BIN      := bin/entgar
APT_PKGS := libxml2-utils

.PHONY: all build test peers vet demo bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/entgar

# Test peers: xmllint validates every file the tests produce against the
# official GAR XSDs (../shared/gar/xsd); redis-server backs the médiacentre
# cache tests; chromium renders the médiacentre page (chromedp).
peers:
	@missing=""; \
	command -v xmllint >/dev/null || missing="$$missing libxml2-utils"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing test peers:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: peers vet
	$(GO) test -race -count=1 ./...

# The main job end to end on built-in data: generate a realistic source,
# export both degrees into ./out.
demo: build
	$(BIN) gen --out data --students 20000 --seed 1
	ENTGAR_LOG_LEVEL=warn $(BIN) export --config config.example.yaml --source data --out out
	@echo
	@echo "archives are in ./out:"; ls -l out/*.tar.gz out/*.MD5

# Export speed and memory against a gzip-only baseline measured in the same
# run; `entgar serve`'s API cached and uncached against a bare request and a
# direct GAR call; médiacentre client requests/s and p99 against bare net/http
# clients on the same simulator (see docs/performance.md).
bench:
	$(GO) run ./bench/export
	$(GO) run ./bench/mediacentre
	$(GO) run ./bench/serve

# A longer run of the fuzz tests than `make test` does.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./export/source
	$(GO) test -run '^$$' -fuzz FuzzDecodeResources -fuzztime 60s ./mediacentre
	$(GO) test -run '^$$' -fuzz FuzzParseErreur -fuzztime 30s ./mediacentre
	$(GO) test -run '^$$' -fuzz FuzzDecodedBody -fuzztime 30s ./mediacentre
	$(GO) test -run '^$$' -fuzz FuzzParseAPIKeys -fuzztime 60s ./server
	$(GO) test -run '^$$' -fuzz FuzzParseQuery -fuzztime 60s ./mediacentre

clean:
	rm -rf bin out data bench/work test-artifacts
