/*
 * sk_abort.c - the library's only output: the last words before abort().
 *
 * Theory of operation: a misuse detected in shared memory is not an
 * error the caller can handle (Apple traps), so we format one line into
 * a stack buffer, write(2) it to stderr in a single call (so concurrent
 * writers cannot interleave inside it) and abort().  No stdio, no
 * malloc: the heap or stdio locks may be what the program corrupted.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_abort.h"

#define SKA_LINE_MAX 1024

struct ska_line {
	char sl_buf[SKA_LINE_MAX];
	size_t sl_len;
};

static void
ska_put(struct ska_line *l, const char *s)
{
	size_t n = strlen(s);

	/* keep one byte for the newline, truncate the rest */
	if (n > SKA_LINE_MAX - 1 - l->sl_len)
		n = SKA_LINE_MAX - 1 - l->sl_len;
	memcpy(l->sl_buf + l->sl_len, s, n);
	l->sl_len += n;
}

static void
ska_put_hex(struct ska_line *l, uint64_t v)
{
	char tmp[2 + 16 + 1];
	char *p = tmp + sizeof(tmp) - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v != 0);
	*--p = 'x';
	*--p = '0';
	ska_put(l, p);
}

static void __attribute__((noreturn))
ska_die(struct ska_line *l, const char *func)
{
	ska_put(l, " (");
	ska_put(l, func != NULL ? func : "?");
	ska_put(l, ")");
	l->sl_buf[l->sl_len++] = '\n';
	/* best effort: we are about to abort whatever write() says */
	(void)!write(STDERR_FILENO, l->sl_buf, l->sl_len);
	abort();
}

static void
ska_begin(struct ska_line *l, const char *msg)
{
	l->sl_len = 0;
	ska_put(l, "libskywalk: ");
	ska_put(l, msg != NULL ? msg : "(null)");
}

void
sk_abort(const char *func, const char *msg)
{
	struct ska_line l;

	ska_begin(&l, msg);
	ska_die(&l, func);
}

void
sk_abort_with_cause(const char *func, const char *msg, uint64_t cause)
{
	struct ska_line l;

	ska_begin(&l, msg);
	ska_put(&l, ": ");
	ska_put_hex(&l, cause);
	ska_die(&l, func);
}

void
sk_abort_dynamic(const char *func, char *msg)
{
	/* a NULL msg means malloc failed while building it: still die */
	sk_abort(func,
		 msg != NULL ? msg : "fatal error (no memory for message)");
}
