# entgar's build, test, demo and benchmark targets. `make test` installs the
# test peers it needs when they are missing (Debian packages, as root or
# through sudo).

GO       ?= go
BIN      := bin/entgar
APT_PKGS := libxml2-utils openssh-server openssh-client

.PHONY: all build test peers vet demo bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/entgar

# Test peers: xmllint validates every file the tests produce against the
# official GAR XSDs (../shared/gar/xsd); OpenSSH's sshd receives the test
# deliveries and its sftp client is the benchmark's baseline and drives the
# GAR simulator (garsim) as an operator would; redis-server backs the
# médiacentre cache tests; chromium renders the médiacentre page (chromedp).
peers:
	@missing=""; \
	command -v xmllint >/dev/null || missing="$$missing libxml2-utils"; \
	[ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	command -v sftp >/dev/null || missing="$$missing openssh-client"; \
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

# The nightly job end to end on built-in data, against the GAR simulator:
# generate a realistic source, start `entgar garsim` in the background on a
# free port (its host key, a client key and the known_hosts are generated
# in demo/), export both degrees with --upload, wait for the simulator's
# collecte with `entgar results --wait`, print the result, stop garsim.
# Needs nothing but Go: no OpenSSH, no network beyond loopback.
DEMO := demo
demo: build
	@set -e; d=$(DEMO); rm -rf $$d; mkdir -p $$d; \
	$(BIN) gen --out $$d/data --students 20000 --seed 1; \
	printf '%s\n' \
	  'ent: {id: ZZ, name: "ENT de démonstration"}' \
	  "source: {path: $$d/data}" \
	  "export: {out: $$d/out}" \
	  "sftp: {host: 127.0.0.1, user: ent, key_file: $$d/id_ent, known_hosts: $$d/known_hosts}" \
	  "metrics: {textfile: $$d/entgar.prom}" \
	  "garsim: {root: $$d/gar, sftp_listen: '127.0.0.1:0', host_key_file: $$d/host_key, authorized_keys: $$d/authorized_keys, collecte_interval: 1s}" \
	  > $$d/entgar.yaml; \
	export ENTGAR_CONFIG=$$d/entgar.yaml ENTGAR_LOG_LEVEL=warn; \
	$(BIN) garsim --known-hosts-out $$d/known_hosts --new-client-key $$d/id_ent 2> $$d/garsim.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null || true' EXIT; \
	for i in $$(seq 100); do [ -s $$d/known_hosts ] && break; kill -0 $$pid || { cat $$d/garsim.log; exit 3; }; sleep 0.1; done; \
	export ENTGAR_SFTP_PORT=$$(sed -n 's/^\[127\.0\.0\.1\]:\([0-9]*\) .*/\1/p' $$d/known_hosts); \
	echo "garsim listening on 127.0.0.1:$$ENTGAR_SFTP_PORT (root $$d/gar, log $$d/garsim.log)"; \
	$(BIN) export --upload; \
	echo; echo "waiting for the collecte:"; \
	code=0; $(BIN) results --wait 2m || code=$$?; \
	kill $$pid; wait $$pid || true; trap - EXIT; \
	echo; echo "GAR's folders:"; find $$d/gar -type f | sort; \
	echo "metrics: $$d/entgar.prom; results exit code $$code"; exit $$code

# Export speed and memory against a gzip-only baseline measured in the same
# run, then the analyser on the 1,000,000-pupil archives against xmllint
# --stream --schema on the same XML; upload throughput against OpenSSH's sftp
# client (needs root for sshd); médiacentre client requests/s and p99 against
# bare net/http clients on the same simulator; `entgar serve`'s API cached and
# uncached against a bare request and a direct GAR call (see
# docs/performance.md).
bench: peers
	$(GO) run ./bench/export
	$(GO) run ./bench/analyse
	$(GO) run ./bench/upload
	$(GO) run ./bench/mediacentre
	$(GO) run ./bench/serve

# A longer run of the fuzz tests than `make test` does.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 60s ./export/source
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRecordMatchesEncodingJSON$$' -fuzztime 60s ./export/source
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 30s ./config
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 60s ./export/results
	$(GO) test -run '^$$' -fuzz '^FuzzReadErrorArchive$$' -fuzztime 60s ./export/results
	$(GO) test -run '^$$' -fuzz '^FuzzParseReportName$$' -fuzztime 30s ./export/results
	$(GO) test -run '^$$' -fuzz '^FuzzParseMapping$$' -fuzztime 60s ./export/ido
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeResources$$' -fuzztime 60s ./mediacentre
	$(GO) test -run '^$$' -fuzz '^FuzzParseErreur$$' -fuzztime 30s ./mediacentre
	$(GO) test -run '^$$' -fuzz '^FuzzDecodedBody$$' -fuzztime 30s ./mediacentre
	$(GO) test -run '^$$' -fuzz '^FuzzDeliveries$$' -fuzztime 30s ./export
	$(GO) test -run '^$$' -fuzz '^FuzzTempName$$' -fuzztime 30s ./export/sftp
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime 60s ./xsd
	$(GO) test -run '^$$' -fuzz '^FuzzArchive$$' -fuzztime 60s ./export/analyse
	$(GO) test -run '^$$' -fuzz '^FuzzParseAPIKeys$$' -fuzztime 60s ./server
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuery$$' -fuzztime 60s ./mediacentre

clean:
	rm -rf bin out data bench/work test-artifacts $(DEMO)
