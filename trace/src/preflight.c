// SPDX-License-Identifier: MIT
/*
 * preflight.c - say clearly what the machine lacks before libbpf does.
 *
 * libbpf's own failures are an errno and a log of the verifier; an operator
 * needs to know whether to use sudo, load another kernel or rebuild the
 * application, so each capability is checked first, in that order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>

#include "preflight.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int zt_check_privileges(char *why, size_t len)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (geteuid() == 0)
		return 0;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) == 0 &&
	    (has_cap(d, CAP_SYS_ADMIN) ||
	     (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON))))
		return 0;
	snprintf(why, len, "zc-trace must run as root (or with CAP_BPF and CAP_PERFMON) to load BPF programs: try sudo");
	return -1;
}

int zt_check_bpf(char *why, size_t len)
{
	int rc = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL);

	if (rc > 0)
		return 0;
	if (rc == -EPERM || rc == -EACCES)
		snprintf(why, len, "the kernel refused to load a BPF program (%s): check kernel.unprivileged_bpf_disabled, lockdown or seccomp",
			 strerror(-rc));
	else
		snprintf(why, len, "this kernel cannot run BPF tracing programs (%s): it needs CONFIG_BPF_SYSCALL and CONFIG_BPF_EVENTS",
			 rc < 0 ? strerror(-rc) : "not supported");
	return -1;
}

int zt_check_uprobes(char *why, size_t len)
{
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0)
		return 0;
	snprintf(why, len, "this kernel has no uprobes (CONFIG_UPROBE_EVENTS), which USDT probes need");
	return -1;
}

int zt_check_btf(char *why, size_t len)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 0;
	snprintf(why, len, "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing: CONFIG_DEBUG_INFO_BTF), which the kick->wake histogram needs; run without -H for counts only");
	return -1;
}
