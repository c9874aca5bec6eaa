/*
 * skt_netif.h - the test frames of the netif programs (skt_netif,
 * skt_netif_peer): a pure function of a direction and a sequence
 * number, so a receiver checks every byte without keeping copies.
 *
 *   dst ff:ff:ff:ff:ff:ff  src 02:53:4b:DD:SS:SS  type 0x88b5
 *   payload: seq (4 bytes, big endian), dir, then (seq * 7 + i) & 0xff
 *
 * dir 'c' = sent by the channel, 'w' = sent from the wire (the Linux
 * side).  Lengths cycle through 60..1514 so short, odd and full-size
 * frames all occur.  Header-only: tests/prog programs link nothing else.
 */
#ifndef SKT_NETIF_H
#define SKT_NETIF_H

#include <stdint.h>
#include <string.h>

#define SKT_NF_ETHERTYPE        0x88b5
#define SKT_NF_MIN              60
#define SKT_NF_MAX              1514
#define SKT_NF_HDR              19      /* Ethernet + seq + dir */

static inline uint32_t skt_nf_len(uint32_t seq)
{
	return SKT_NF_MIN + (seq * 131u) % (SKT_NF_MAX - SKT_NF_MIN + 1);
}

/* Frame seq of direction dir into p (room for SKT_NF_MAX); its length. */
static inline uint32_t skt_nf_fill(uint8_t *p, char dir, uint32_t seq)
{
	uint32_t len = skt_nf_len(seq), i;

	memset(p, 0xff, 6);
	p[6] = 0x02;
	p[7] = 0x53;
	p[8] = 0x4b;
	p[9] = (uint8_t)dir;
	p[10] = (uint8_t)(seq >> 8);
	p[11] = (uint8_t)seq;
	p[12] = SKT_NF_ETHERTYPE >> 8;
	p[13] = SKT_NF_ETHERTYPE & 0xff;
	p[14] = (uint8_t)(seq >> 24);
	p[15] = (uint8_t)(seq >> 16);
	p[16] = (uint8_t)(seq >> 8);
	p[17] = (uint8_t)seq;
	p[18] = (uint8_t)dir;
	for (i = SKT_NF_HDR; i < len; i++)
		p[i] = (uint8_t)(seq * 7u + i);
	return len;
}

/* Is p (len bytes) one of ours?  Then its sequence number in *seq. */
static inline int skt_nf_ours(const uint8_t *p, uint32_t len, char dir,
    uint32_t *seq)
{
	if (len < SKT_NF_HDR || p[12] != (SKT_NF_ETHERTYPE >> 8) ||
	    p[13] != (SKT_NF_ETHERTYPE & 0xff) || p[18] != (uint8_t)dir)
		return 0;
	*seq = (uint32_t)p[14] << 24 | (uint32_t)p[15] << 16 |
	    (uint32_t)p[16] << 8 | p[17];
	return 1;
}

/* 0 when p is exactly frame seq of dir; else the first bad offset + 1. */
static inline uint32_t skt_nf_check(const uint8_t *p, uint32_t len, char dir,
    uint32_t seq)
{
	uint8_t want[SKT_NF_MAX];
	uint32_t wlen = skt_nf_fill(want, dir, seq), i;

	if (len != wlen)
		return len < wlen ? len + 1 : wlen + 1;
	for (i = 0; i < len; i++) {
		if (p[i] != want[i])
			return i + 1;
	}
	return 0;
}

#endif /* SKT_NETIF_H */
