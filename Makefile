# Faultline: the front door. `make help` is the map.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE := node_modules/.bin/node
LAB := $(NODE) lab/cli.ts
NPM_STAMP := node_modules/.faultline-installed

.PHONY: help setup tools up down status scenario scenarios test typecheck token bench dashboards dashboard-links

help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## install what is missing: Debian packages, npm packages (pinned Node 24), the Go tools
	@tools/install-system-packages.sh
	@$(MAKE) -s --no-print-directory $(NPM_STAMP)
	@tools/build.sh

$(NPM_STAMP): package.json package-lock.json
	@echo "setup: npm ci (pinned Node 24 and dependencies)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

tools: ## build the pinned Go tools (k6, toxiproxy, jaeger, loki) into the user cache
	@tools/build.sh

up: setup ## start the native stack (every component on 127.0.0.1, logs in .lab/logs)
	@$(LAB) up

down: ## stop everything the lab started, also what a crashed run left behind
	@if [ -x $(NODE) ]; then $(LAB) down; else echo "down: nothing installed, nothing to stop"; fi

status: ## a table of the stack: component, port, pid, health, version
	@$(LAB) status

scenarios: $(NPM_STAMP) ## list the scenarios with their one-line purpose
	@$(LAB) list

scenario: setup ## run a scenario: make scenario NAME=cache-stampede [PROFILE=smoke|full] [VARIANT=v] [KEEP=1]
	@if [ -z "$(NAME)" ]; then echo "scenario: NAME is missing: make scenario NAME=<name> (make scenarios lists them)" >&2; exit 2; fi
	@$(LAB) run $(NAME) $(if $(PROFILE),--profile $(PROFILE)) $(if $(VARIANT),--variant $(VARIANT)) $(if $(KEEP),--keep)

token: $(NPM_STAMP) ## mint a bearer token for the order routes: make token [SUB=alice] [TTL=3600]
	@$(LAB) token $(if $(SUB),--subject $(SUB)) $(if $(TTL),--ttl $(TTL))

dashboards: $(NPM_STAMP) ## regenerate the Grafana dashboards (dashboards/json/) from their TypeScript source
	@$(NODE) dashboards/generate.ts

dashboard-links: $(NPM_STAMP) ## print per dashboard a Prometheus graph link over the last run's time range
	@$(LAB) dashboards

typecheck: $(NPM_STAMP) ## type-check the whole project (strict)
	@$(NODE) node_modules/typescript/bin/tsc -p tsconfig.json

test: setup ## install what is missing, type-check, and run every test against real components
	@$(MAKE) --no-print-directory typecheck
	@$(NODE) test/run-tests.ts

bench: setup ## run the benchmarks under bench/ and print their ratios
	@for b in bench/*.bench.ts; do echo "== $$b"; $(NODE) $$b || exit $$?; done
