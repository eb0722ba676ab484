# Faultline: the front door. `make help` is the map.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE := node_modules/.bin/node
LAB := $(NODE) lab/cli.ts
NPM_STAMP := node_modules/.faultline-installed
# The benchmark scenario the performance gate repeats.
GATE_BENCHMARK := perf-gate

.PHONY: help setup tools up down status scenario scenarios report compare test typecheck token bench images dashboards dashboard-links gate gate-baseline

help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## install what is missing: Debian packages, npm packages (pinned Node 24), the Go tools (LAB_RUNTIME=compose: also docker.io, debootstrap, the compose plugin; LAB_RUNTIME=kubernetes: also the local control plane, kwok, prometheus-adapter)
	@tools/install-system-packages.sh
	@$(MAKE) -s --no-print-directory $(NPM_STAMP)
	@tools/build.sh
	@if [ "$(LAB_RUNTIME)" = compose ]; then FAULTLINE_SYSTEM_PACKAGES="docker.io debootstrap" tools/install-system-packages.sh && tools/build-compose.sh; fi
	@if [ "$(LAB_RUNTIME)" = kubernetes ]; then tools/build.sh kubernetes; fi

# --ignore-scripts: no dependency's install script runs on this machine (also set in .npmrc)
$(NPM_STAMP): package.json target-app/package.json package-lock.json .npmrc
	@echo "setup: npm ci (pinned Node 24 and dependencies)"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

tools: ## build the pinned Go tools (toxiproxy, jaeger, victoria-logs) into the user cache
	@tools/build.sh

images: ## build the compose stack's images from this repo (starts the lab's own Docker engine as root when none runs)
	@$(MAKE) --no-print-directory setup LAB_RUNTIME=compose
	@export DOCKER_HOST="$$($(LAB) engine)" && images/build.sh

up: setup ## start the native stack (every component on 127.0.0.1, logs in .lab/logs)
	@$(LAB) up

down: ## stop everything the lab started, also what a crashed run left behind
	@if [ -x $(NODE) ]; then $(LAB) down; else echo "down: nothing installed, nothing to stop"; fi

status: ## a table of the stack: component, port, pid, health, version
	@$(LAB) status

scenarios: $(NPM_STAMP) ## list the scenarios with their one-line purpose
	@$(LAB) list

scenario: setup ## run a scenario: make scenario NAME=cache-stampede [PROFILE=smoke|full] [VARIANT=v] [ENGINE=embedded|k6] [WORKERS=n] [LOAD_PROCESSES=n] [KEEP=1]
	@if [ -z "$(NAME)" ]; then echo "scenario: NAME is missing: make scenario NAME=<name> (make scenarios lists them)" >&2; exit 2; fi
	@$(LAB) run $(NAME) $(if $(PROFILE),--profile $(PROFILE)) $(if $(VARIANT),--variant $(VARIANT)) $(if $(KEEP),--keep) $(if $(ENGINE),--engine $(ENGINE)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(LOAD_PROCESSES),--load-processes $(LOAD_PROCESSES))

report: $(NPM_STAMP) ## render a run's report.html again from its stored data: make report DIR=results/<scenario>/<timestamp>
	@if [ -z "$(DIR)" ]; then echo "report: DIR is missing: make report DIR=results/<scenario>/<timestamp>" >&2; exit 2; fi
	@$(LAB) report $(DIR)

compare: $(NPM_STAMP) ## render two runs side by side: make compare A=results/<s>/<t1> B=results/<s>/<t2>
	@if [ -z "$(A)" ] || [ -z "$(B)" ]; then echo "compare: A and B are needed: make compare A=results/<scenario>/<t1> B=results/<scenario>/<t2>" >&2; exit 2; fi
	@$(LAB) compare $(A) $(B)

token: $(NPM_STAMP) ## mint a bearer token for the order routes: make token [SUB=alice] [TTL=3600]
	@$(LAB) token $(if $(SUB),--subject $(SUB)) $(if $(TTL),--ttl $(TTL))

gate: setup ## performance gate: make gate [AGAINST=origin/main] [ROUNDS=5] [FLOOR=0.1] [VARIANT=slowed] [BASELINE=bench/baseline.json]; exit 0 pass, 1 regression, 2 broken, 3 inconclusive
	@$(NODE) lab/gate/cli.ts --benchmark $(GATE_BENCHMARK) $(if $(AGAINST),--against $(AGAINST)) $(if $(ROUNDS),--rounds $(ROUNDS)) $(if $(FLOOR),--floor $(FLOOR)) $(if $(VARIANT),--variant $(VARIANT)) $(if $(BASELINE),--baseline $(BASELINE))

gate-baseline: setup ## write bench/baseline.json (or BASELINE=file) from ROUNDS (default 5) benchmark runs of this checkout
	@$(NODE) lab/gate/cli.ts --benchmark $(GATE_BENCHMARK) --write-baseline $(if $(ROUNDS),--rounds $(ROUNDS)) $(if $(BASELINE),--baseline $(BASELINE))

dashboards: $(NPM_STAMP) ## regenerate the Grafana dashboards (dashboards/json/) from their TypeScript source
	@$(NODE) dashboards/generate.ts

dashboard-links: $(NPM_STAMP) ## print per dashboard a Prometheus graph link over the last run's time range
	@$(LAB) dashboards

typecheck: $(NPM_STAMP) ## type-check the whole project (strict)
	@$(NODE) node_modules/typescript/bin/tsc -p tsconfig.json

test: setup ## install what is missing (as root on Debian also Docker and the compose images), type-check, run every test; the last line is `N passed, N failed[, N skipped]`
	@$(MAKE) --no-print-directory typecheck
	@$(NODE) test/run-tests.ts

bench: setup ## run the benchmarks under bench/ and print their ratios
	@for b in bench/*.bench.ts; do echo "== $$b"; $(NODE) $$b || exit $$?; done
