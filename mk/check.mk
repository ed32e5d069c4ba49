# check.mk — setup and the test entry points (DESIGN.md §10).
#
#   make setup    install the Debian packages the project needs
#   make check    setup, build, build every test program, run them all
#   make unit     the cmocka programs only (ASan+UBSan and TSan builds)
#   make tsan     only the programs built with ThreadSanitizer
#   make e2e      the bats tests only
#
# Test programs come from other mk files, which append to TEST_BINS and
# place their executables in $(B)/tests/bin/ or $(B)/tests/tsan/;
# scripts/check.sh runs whatever is there and prints `N passed, N failed`
# last.

SETUP := scripts/setup.sh

# Plain `make` runs the setup script only when a tool the build needs is
# missing (a fresh machine without python3, say); check and demo always
# run it, because it is cheap and they also need the test packages.
SETUP_TOOLS := $(firstword $(CC)) $(PYTHON) ar
SETUP_MISSING := $(strip $(foreach t,$(SETUP_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t))))
ifneq ($(SETUP_MISSING),)
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
$(info setup: $(SETUP_MISSING) not found, running $(SETUP))
SETUP_STATUS := $(shell $(SETUP) >&2; echo $$?)
ifneq ($(SETUP_STATUS),0)
$(error $(SETUP) failed: see the message above)
endif
endif
endif

.PHONY: test-bins check-build

setup:
	@$(SETUP)

# TEST_BINS is complete only once every mk file has been read: expand it
# a second time, when the rule is used.
.SECONDEXPANSION:
test-bins: $$(TEST_BINS)

# (the empty recipe keeps make from saying "Nothing to be done")
check-build: all test-bins
	@:

# Sequenced through sub-makes so that `make -j check` never builds before
# the packages are there or runs tests before everything is built.
check:
	@$(SETUP)
	@$(MAKE) --no-print-directory check-build
	@scripts/check.sh

unit:
	@$(SETUP)
	@$(MAKE) --no-print-directory check-build
	@scripts/check.sh --unit

tsan:
	@$(SETUP)
	@$(MAKE) --no-print-directory check-build
	@scripts/check.sh --tsan

e2e:
	@$(SETUP)
	@$(MAKE) --no-print-directory demo-build sptests fuzz hijacktests
	@scripts/check.sh --e2e
