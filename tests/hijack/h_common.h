/*
 * h_common.h — what the hijack test helpers (tests/hijack/h_*.c, run by
 * tests/e2e/hijack*.bats) share with the sysproxy ones: failing loudly
 * with the reason.  The helpers are plain programs: the rump kernel is
 * reached only through librumphijack, which the tests LD_PRELOAD, so they
 * link nothing of ours.  A helper exits 0 when its check held.
 */
#include "../sp/h_common.h"
