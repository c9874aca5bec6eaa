/*
 * os_cksum.c - Internet (RFC 1071) one's-complement sums for programs.
 *
 * Theory of operation: the one's-complement sum of 16-bit words can be
 * taken 64 bits at a time as long as every carry out of bit 63 is added
 * back in (end-around carry); folding the 64-bit total down to 32 and
 * then 16 bits gives the same result as summing 16-bit words.  Words
 * are paired from the start of the buffer, not from its alignment, and
 * loads go through memcpy, so any address and any length work.  A
 * trailing partial word is zero-padded in memory order, which makes the
 * code byte-order neutral: the sum comes out in the same (network-as-
 * stored) order as the data, as Apple's "host order" result does.
 *
 *   os_inet_checksum           unfolded partial sum (fits 32 bits) + sum0
 *   os_copy_and_inet_checksum  copy len bytes, return ~fold16(sum) & 0xffff
 */
#include <stdint.h>
#include <string.h>

#include <skywalk/os_packet.h>

/* a + b with the carry out of bit 63 wrapped back into bit 0 */
static inline uint64_t
ck_add(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint32_t
ck_fold32(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static inline uint16_t
ck_fold16(uint32_t s)
{
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* the last 0..7 bytes, zero-padded in memory order */
static inline uint64_t
ck_tail(const uint8_t *src, uint8_t *dst, uint32_t len)
{
	uint64_t w = 0;

	memcpy(&w, src, len);
	if (dst != NULL)
		memcpy(dst, src, len);
	return w;
}

/* Sum (and optionally copy) len bytes; dst NULL means sum only. */
static uint64_t
ck_sum(const uint8_t *src, uint8_t *dst, uint32_t len, uint64_t s)
{
	uint64_t w;

	for (; len >= 8; len -= 8, src += 8) {
		memcpy(&w, src, 8);
		if (dst != NULL) {
			memcpy(dst, &w, 8);
			dst += 8;
		}
		s = ck_add(s, w);
	}
	return len != 0 ? ck_add(s, ck_tail(src, dst, len)) : s;
}

uint32_t
os_inet_checksum(const void *data, uint32_t len, uint32_t sum0)
{
	return ck_fold32(ck_sum(data, NULL, len, sum0));
}

uint32_t
os_copy_and_inet_checksum(const void *src, void *dst, uint32_t len,
			  uint32_t sum0)
{
	uint32_t s = ck_fold32(ck_sum(src, dst, len, sum0));

	return (uint16_t)~ck_fold16(s);
}
