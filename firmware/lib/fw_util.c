// SPDX-License-Identifier: MIT
/*
 * fw_util.c - the few libc-like helpers the firmware needs, freestanding:
 * string compare, copy, CRC32C, and a tiny formatter for log lines.
 */
#include <stdarg.h>
#include "zc_fw.h"

zc_u32 zc_fw_strlen(const char *s)
{
	zc_u32 n = 0;

	while (s[n])
		n++;
	return n;
}

int zc_fw_strneq(const char *a, const char *b, zc_u32 max)
{
	zc_u32 i;

	for (i = 0; i < max; i++) {
		if (a[i] != b[i])
			return 0;
		if (!a[i])
			return 1;
	}
	return 1;
}

void zc_fw_copy(void *dst, const void *src, zc_u32 n)
{
	zc_u8 *d = (zc_u8 *)dst;
	const zc_u8 *s = (const zc_u8 *)src;

	/* Word copies when both are aligned: slots and buffers usually are. */
	if ((((zc_u32)(size_t)d | (zc_u32)(size_t)s) & 3) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(zc_u32 *)(void *)d = *(const zc_u32 *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
}

/*
 * CRC32C (Castagnoli, reflected 0x82F63B78), slicing-by-4: four bytes per
 * step from four 256-entry tables built on first use (4 KiB of RAM rather
 * than flash, and no table to get wrong by hand). Same result as libzc's
 * zc_crc32c(), which the host tests check it against.
 */
static zc_u32 crc32c_tab[4][256];
static int crc32c_ready;

static void crc32c_init(void)
{
	zc_u32 i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc32c_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 4; k++)
			crc32c_tab[k][i] = (crc32c_tab[k - 1][i] >> 8) ^
					   crc32c_tab[0][crc32c_tab[k - 1][i] & 0xff];
	crc32c_ready = 1;
}

zc_u32 zc_fw_crc32c(zc_u32 crc, const void *buf, zc_u32 len)
{
	const zc_u8 *p = (const zc_u8 *)buf;

	if (zc_unlikely(!crc32c_ready))
		crc32c_init();
	crc = ~crc;
	while (len && ((size_t)p & 3)) {
		crc = (crc >> 8) ^ crc32c_tab[0][(crc ^ *p++) & 0xff];
		len--;
	}
	for (; len >= 4; len -= 4, p += 4) {
		/* Little-endian load (the region format is little-endian anyway). */
		crc ^= (zc_u32)p[0] | (zc_u32)p[1] << 8 | (zc_u32)p[2] << 16 |
		       (zc_u32)p[3] << 24;
		crc = crc32c_tab[3][crc & 0xff] ^ crc32c_tab[2][(crc >> 8) & 0xff] ^
		      crc32c_tab[1][(crc >> 16) & 0xff] ^ crc32c_tab[0][crc >> 24];
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

struct fw_line {
	char buf[120];
	zc_u32 n;
};

static void put_c(struct fw_line *l, char c)
{
	if (l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = c;
}

static void put_u(struct fw_line *l, zc_u64 v, zc_u32 base)
{
	char tmp[24];
	int i = 0;

	do {
		zc_u32 d = (zc_u32)(v % base);

		tmp[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (i)
		put_c(l, tmp[--i]);
}

void zc_fw_logf(struct zc_fw *fw, const char *fmt, ...)
{
	struct fw_line l;
	const char *s;
	va_list ap;
	int d;

	if (!fw->hal || !fw->hal->log)
		return;
	l.n = 0;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put_c(&l, *fmt);
			continue;
		}
		switch (*++fmt) {
		case 's':
			for (s = va_arg(ap, const char *); s && *s; s++)
				put_c(&l, *s);
			break;
		case 'd':
			d = va_arg(ap, int);
			if (d < 0)
				put_c(&l, '-');
			put_u(&l, d < 0 ? (zc_u64)(-(long long)d) : (zc_u64)d, 10);
			break;
		case 'u':
			put_u(&l, va_arg(ap, unsigned int), 10);
			break;
		case 'x':
			put_u(&l, va_arg(ap, unsigned int), 16);
			break;
		case 'l':	/* %llu */
			fmt += 2;
			put_u(&l, va_arg(ap, unsigned long long), 10);
			break;
		case '\0':
			fmt--;
			break;
		default:
			put_c(&l, *fmt);
			break;
		}
	}
	va_end(ap);
	l.buf[l.n] = 0;
	fw->hal->log(fw->hal_ctx, l.buf);
}
