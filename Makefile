# Everyday commands. `make test` is what CI runs; `make demo` shows the
# provider applying a configuration against the local Clerk stand-in.

CARGO ?= cargo
TOOLS := .tools/venv/bin

.PHONY: all build tools lint test testacc demo docs install release version bench fuzz clean

all: build

# The release binary, with build paths remapped (scripts/build-env.sh) so
# that any checkout of a commit builds the same bytes.
build:
	bash -c 'root="$(CURDIR)"; . scripts/build-env.sh; exec $(CARGO) build --release --locked'


tools:
	scripts/install-tools.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Lint, then every test: unit, protocol (the binary through a gRPC client)
# and end-to-end (real Terraform against the binary and the emulator).
test: tools lint
	TERRAFORM=$(CURDIR)/$(TOOLS)/terraform $(CARGO) test --locked --lib --bins --tests

# The acceptance scenarios of every resource and data source, one line each.
# Against a clerk-emulator it starts itself (also part of `make test`), or,
# with CLERK_ACC_SECRET_KEY=sk_test_..., against that Clerk development
# instance (CLERK_ACC_API_URL for another Clerk-compatible server).
# DRY=1 only lists what a run would change.
testacc: tools
	TERRAFORM=$(CURDIR)/$(TOOLS)/terraform $(CARGO) test --locked --test acceptance -- --live $(if $(DRY),--dry-run)

demo:
	scripts/demo.sh

# Regenerate docs/ from the schema's descriptions and examples/; the test
# suite fails when docs/ is out of date.
docs:
	UPDATE_DOCS=1 $(CARGO) test --locked --test docs

# Build the release binary and put it in Terraform's implied local mirror,
# so `terraform init` finds terraform.local/clerk/clerk with no extra setup.
# A different build of an installed version is refused; FORCE=1 replaces it.
install:
	FORCE=$(or $(FORCE),0) scripts/install.sh

# Registry-style artefacts in dist/: zips, SHA256SUMS (signed with
# GPG_FINGERPRINT set), manifest and the network mirror's JSON files.
release:
	scripts/release.sh

# Set the version in Cargo.toml, Cargo.lock and CHANGELOG.md: make version V=1.2.3
version:
	scripts/version.sh "$(V)"

# Start-up, memory, size and RPC latency, side by side with a Go provider.
bench:
	scripts/bench.sh

# Coverage-guided fuzzing of the decoders; see docs/fuzzing.md.
fuzz:
	scripts/fuzz.sh

clean:
	$(CARGO) clean
	rm -rf .tools dist
