/*
 * asan_logpath.c — a preload for tests/e2e/hijack_asan.bats, loaded
 * after libasan and build/lib/librumphijack-asan.so: sends the ASan and
 * LeakSanitizer reports of the process to $HJ_ASAN_LOG.<pid> (the runtime
 * adds the pid, also after fork), so that the test sees reports of
 * children whose stderr it never reads.
 *
 * ASAN_OPTIONS=log_path cannot be used: ASan applies it while it starts
 * and creates the parent directories with mkdir(), which binds to the
 * preloaded librumphijack's mkdir, instrumented code run before ASan has
 * mapped its shadow memory, and the process dies.  This library needs
 * libasan (it is linked with -fsanitize=address), so its constructor runs
 * once ASan is up; the mkdir calls then go through the hijack harmlessly.
 */
#include <stdlib.h>

#include <sanitizer/common_interface_defs.h>

__attribute__((constructor)) static void
asan_logpath(void)
{
	const char *p = getenv("HJ_ASAN_LOG");

	if (p != NULL && *p != '\0')
		__sanitizer_set_report_path(p);
}
