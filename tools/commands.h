/* SPDX-License-Identifier: MIT */
/*
 * tools/commands.h - the zc subcommands. Each takes the arguments after
 * "zc" (argv[0] is the command name) and returns the process exit code:
 * 0 success, 1 failure, 2 bad usage.
 */
#ifndef ZC_TOOLS_COMMANDS_H
#define ZC_TOOLS_COMMANDS_H

int cmd_bench(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_remote(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif /* ZC_TOOLS_COMMANDS_H */
