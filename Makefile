# Everyday commands. `make test` is what CI runs; `make demo` shows the
# provider applying a configuration against the local Clerk stand-in.

CARGO ?= cargo
TOOLS := .tools/venv/bin

.PHONY: all build tools lint test demo docs docs-check install release bench clean

all: build

build:
	$(CARGO) build --release --locked

tools:
	scripts/install-tools.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Lint, then every test: unit, protocol (the binary through a gRPC client)
# and end-to-end (real Terraform against the binary and the emulator).
test: tools lint
	TERRAFORM=$(CURDIR)/$(TOOLS)/terraform $(CARGO) test --locked --all-targets

demo:
	scripts/demo.sh

clean:
	$(CARGO) clean
	rm -rf .tools dist
