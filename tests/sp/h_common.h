/*
 * h_common.h — small pieces shared by the sysproxy test helpers
 * (tests/sp/h_*.c, run by tests/e2e/sysproxy.bats): failing loudly with
 * the reason and a monotonic clock.  Each helper is a client program
 * linked with librumpclient; it exits 0 when its check held.
 */
#ifndef H_COMMON_H
#define H_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static inline int64_t
h_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* H_COMMON_H */
