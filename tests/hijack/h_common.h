/*
 * h_common.h — what the hijack test helpers (tests/hijack/h_*.c, run by
 * tests/e2e/hijack*.bats) share: failing loudly with the reason.  The
 * helpers are plain programs: the rump kernel is reached only through
 * librumphijack, which the tests LD_PRELOAD, so nothing here links
 * librumpclient.  A helper exits 0 when its check held.
 */
#ifndef H_HIJACK_COMMON_H
#define H_HIJACK_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void __attribute__((noreturn, format(printf, 1, 2)))
h_fail(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", e, strerror(e));
	exit(1);
}

#define H_CHECK(cond, ...)	do {					\
	if (!(cond))							\
		h_fail(__VA_ARGS__);					\
} while (0)

#endif /* H_HIJACK_COMMON_H */
