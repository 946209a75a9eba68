// SPDX-License-Identifier: MIT
//
// bench/main.cpp - zc-bench: zc and its baselines in one Google Benchmark
// binary, so every ratio in the report comes from one run on one machine.
//
//   zc-bench [--cpus=P,C|none] [--hist-out=FILE] [Google Benchmark flags]
//
// --cpus (or ZC_BENCH_CPUS) pins the producer to CPU P and the consumer to
// CPU C; the default is the first two CPUs we may run on.
#include "util.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include <sys/utsname.h>

int main(int argc, char **argv)
{
	if (zcb::parse_args(&argc, argv) < 0)
		return 2;
	zcb::calibrate_ticks();

	auto cpu = [](int c) { return c < 0 ? std::string("unpinned") : std::to_string(c); };
	benchmark::AddCustomContext("producer_cpu", cpu(zcb::g_cfg.producer_cpu));
	benchmark::AddCustomContext("consumer_cpu", cpu(zcb::g_cfg.consumer_cpu));
	benchmark::AddCustomContext("ns_per_tick", std::to_string(zcb::ns_per_tick()));
	struct utsname u;
	if (uname(&u) == 0)
		benchmark::AddCustomContext("kernel", std::string(u.sysname) + " " +
					    u.release + " " + u.machine);
	if (!zcb::g_cfg.hugepages) {
		fprintf(stderr, "zc-bench: no huge pages reserved (/proc/sys/vm/nr_hugepages is 0): skipping the pages:huge cases.\n");
		benchmark::AddCustomContext("hugepages", "skipped: /proc/sys/vm/nr_hugepages is 0");
	} else {
		benchmark::AddCustomContext("hugepages", "reserved");
	}

	zcb::register_limits();
	zcb::register_rings();
	zcb::register_baselines();
	zcb::register_zc_tput();
	zcb::register_zc_rtt();

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
