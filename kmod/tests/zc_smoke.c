// SPDX-License-Identifier: GPL-2.0
/* Open /dev/zc0 and read its geometry. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "zc_kmod.h"

int main(void)
{
	struct zc_kmod_info info = { 0 };
	int fd = open("/dev/zc0", O_RDWR);

	if (fd < 0 || ioctl(fd, ZC_IOC_GET_INFO, &info)) {
		perror("zc_smoke");
		return 1;
	}
	printf("abi %u pool %llu slot %u phys 0x%llx flags 0x%x\n",
	       info.abi_version, (unsigned long long)info.pool_size,
	       info.slot_size, (unsigned long long)info.phys_base, info.flags);
	return info.abi_version == ZC_KMOD_ABI_VERSION ? 0 : 1;
}
