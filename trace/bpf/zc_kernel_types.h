/* SPDX-License-Identifier: MIT */
/*
 * zc_kernel_types.h - the few kernel types zc-trace's BPF program uses,
 * declared by hand instead of a generated vmlinux.h.
 *
 * Why not vmlinux.h: it is dumped from the build machine's kernel, so the
 * build would depend on /sys/kernel/btf/vmlinux being there (it is not in
 * a chroot or a container build) and parse 3 MB per build for one field.
 * The one kernel structure read here carries preserve_access_index: libbpf
 * relocates the field offset against the running kernel's BTF at load time
 * (CO-RE), so the declaration needs only the fields used, in any order.
 * USDT arguments need only the instruction pointer of pt_regs (libbpf
 * resolves argument registers to offsets in user space).
 *
 * Only task_struct is relocated (zc_waking.bpf.c); zc_trace.bpf.c has no
 * relocation at all and so loads on a kernel without BTF.
 */
#ifndef ZC_KERNEL_TYPES_H
#define ZC_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_LRU_HASH = 9,
};

/* bpf_map_update_elem() flags */
#define BPF_ANY		0
#define BPF_NOEXIST	1

/*
 * bpf_tracing.h names registers as the kernel does (ip, not the uapi rip)
 * when it sees vmlinux.h's guard. pt_regs is declared whole, without
 * preserve_access_index: its layout is the kernel's ABI with user space
 * (ptrace), and a CO-RE relocation here would make every USDT program,
 * and so the counting, need the kernel's BTF.
 */
#define __VMLINUX_H__ 1

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax;
	unsigned long ip, cs, flags, sp, ss;
};
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs;
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
#else
#error "zc-trace: declare this architecture's pt_regs"
#endif

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

#endif /* ZC_KERNEL_TYPES_H */
