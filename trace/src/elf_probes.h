/* SPDX-License-Identifier: MIT */
/* elf_probes.h - which zc USDT probes an ELF file carries. */
#ifndef ZT_ELF_PROBES_H
#define ZT_ELF_PROBES_H

/* The probes zc-trace knows, in the order of the ZT_P_* bits. */
enum zt_probe {
	ZT_P_SEND = 0,
	ZT_P_RECV,
	ZT_P_RELEASE,
	ZT_P_FULL,
	ZT_P_RESERVE,
	ZT_P_KICK,
	ZT_P_WAKE,
	ZT_P_SEND_BURST,
	ZT_P_RECV_BURST,
	ZT_P_BROKEN,
	ZT_P_COUNT
};

extern const char *const zt_probe_names[ZT_P_COUNT];

/*
 * Set bit (1 << ZT_P_x) in *@mask for each zc:x probe in @path's
 * .note.stapsdt. Returns 0 (mask 0: no zc probes), or a negative errno
 * when the file cannot be read or is not ELF.
 */
int zt_elf_probes(const char *path, unsigned int *mask);

#endif
