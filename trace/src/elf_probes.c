// SPDX-License-Identifier: MIT
/*
 * elf_probes.c - list the zc probes in an ELF file's .note.stapsdt.
 *
 * libbpf finds probes by itself when attaching, but it only answers "not
 * found" one probe at a time, and noisily. Reading the notes first lets
 * zc-trace skip objects without probes (libc, ...) and say plainly when a
 * target has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "elf_probes.h"

const char *const zt_probe_names[ZT_P_COUNT] = {
	[ZT_P_SEND] = "send",
	[ZT_P_RECV] = "recv",
	[ZT_P_RELEASE] = "release",
	[ZT_P_FULL] = "full",
	[ZT_P_RESERVE] = "reserve",
	[ZT_P_KICK] = "kick",
	[ZT_P_WAKE] = "wake",
	[ZT_P_SEND_BURST] = "send_burst",
	[ZT_P_RECV_BURST] = "recv_burst",
	[ZT_P_BROKEN] = "broken",
};

#define NT_STAPSDT 3

/* One stapsdt note: pc, base and semaphore addresses, then 3 strings. */
static void note_probe(const char *desc, size_t len, size_t addr_size,
		       unsigned int *mask)
{
	const char *provider, *name;
	size_t off = 3 * addr_size, plen;
	int i;

	if (len <= off)
		return;
	provider = desc + off;
	plen = strnlen(provider, len - off);
	if (plen == len - off || strcmp(provider, "zc") != 0)
		return;
	off += plen + 1;
	if (off >= len)
		return;
	name = desc + off;
	if (strnlen(name, len - off) == len - off)
		return;
	for (i = 0; i < ZT_P_COUNT; i++)
		if (strcmp(name, zt_probe_names[i]) == 0)
			*mask |= 1U << i;
}

static int scan(Elf *elf, unsigned int *mask)
{
	size_t shstrndx, addr_size;
	Elf_Scn *scn = NULL;

	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	addr_size = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt") != 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off,
					   &desc_off)) > 0) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
				continue;
			note_probe((char *)data->d_buf + desc_off, nh.n_descsz,
				   addr_size, mask);
		}
	}
	return 0;
}

int zt_elf_probes(const char *path, unsigned int *mask)
{
	Elf *elf;
	int fd, rc;

	*mask = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -ENOEXEC;
	}
	rc = scan(elf, mask);
	elf_end(elf);
	close(fd);
	return rc;
}
