/*
 * sk_log.c - the daemon's single log sink.
 *
 * Every kernel and door file logs through the macros of sk_log.h, which
 * end here.  Lines go to stderr, prefixed with the function name, one
 * write per line so concurrent writers (the daemon is single-threaded,
 * but a test harness may share the stream) do not interleave.  SK_RD
 * lines are rate-limited with a token bucket so a client that triggers
 * an error in a loop cannot flood the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sk_log.h"

#define SK_LOG_LINE_MAX         512
#define SK_RD_BURST             10      /* lines per period */
#define SK_RD_PERIOD_NS         1000000000ull

uint32_t sk_verbose = SK_VERB_DEFAULT;

static uint64_t sk_rd_period_start;
static unsigned sk_rd_count;

static uint64_t
sk_log_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
sk_log(const char *func, const char *fmt, ...)
{
	char line[SK_LOG_LINE_MAX];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "cuse-dev: %s: ", func);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

int
sk_log_ratelimit(void)
{
	uint64_t now = sk_log_now_ns();

	if (now - sk_rd_period_start >= SK_RD_PERIOD_NS) {
		sk_rd_period_start = now;
		sk_rd_count = 0;
	}
	return sk_rd_count++ < SK_RD_BURST;
}
