/* SPDX-License-Identifier: MIT */
/* tools/zc.c - the zc command: finds the subcommand and runs it. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"

#ifndef ZC_VERSION
#define ZC_VERSION "unknown"
#endif

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "bench", cmd_bench, "stream to an emulated remote core; print throughput and latency" },
	{ "send", cmd_send, "send standard input through a channel" },
	{ "recv", cmd_recv, "write what a channel carries to standard output" },
	{ "info", cmd_info, "show a region's geometry, channels and counters" },
	{ "remote", cmd_remote, "run the emulated remote core (echo, sink, source)" },
	{ "ping", cmd_ping, "time round trips through a remote core's echo service" },
	{ "trace", cmd_trace, "live rates and latency histograms (runs zc-trace)" },
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: zc COMMAND [options] [arguments]\n"
		   "zc moves messages between a host and a remote core through shared\n"
		   "memory without copying them.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nURIs: NAME or shm:NAME (shared memory, found by name), kmod:/dev/zcN.\n"
		   "'zc COMMAND --help' describes a command; docs/cli.md has examples.\n");
}

int main(int argc, char **argv)
{
	static char cmd_name[32];
	unsigned int i;

	/* A reader that went away is an error we report, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		zc_errorf("needs a command: bench, send, recv, info, remote, ping or trace (try 'zc --help')");
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("zc %s\n", ZC_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		snprintf(cmd_name, sizeof(cmd_name), "zc %s", commands[i].name);
		zc_cmd = cmd_name;
		/* getopt_long in the command starts afresh after "zc". */
		optind = 1;
		opterr = 0;
		return commands[i].run(argc - 1, argv + 1);
	}
	zc_errorf("unknown command '%s' (try 'zc --help')", argv[1]);
	return 2;
}
