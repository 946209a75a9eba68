// SPDX-License-Identifier: MIT
/*
 * fw_main.c - run one example firmware as an emulated remote core:
 *   zc-fw-APP [--busy | --sleep | --spin N] [--timeout MS] [--quiet] URI
 * attaches to the host's region URI, announces the application's channels
 * and serves them until the host stops it (ZC_FW_CMD_STOP on zc.fw, exit 0)
 * or goes away (exit 1). ZC_FW_APP names the application at compile time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zc_fw.h"
#include "fw_examples.h"
#include "hal_linux.h"

#ifndef ZC_FW_APP
#error "define ZC_FW_APP to the application (zc_fw_echo_app, ...)"
#endif

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--busy | --sleep | --spin POLLS] [--timeout MS] [--quiet] URI\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	const struct zc_fw_app *app = &ZC_FW_APP;
	static struct zc_fw fw;	/* a few KiB: not on the stack */
	struct zc_hal quiet = zc_hal_linux_ops;
	const char *uri = NULL;
	struct zc_hal_linux *h;
	unsigned long spin = 2000;
	int timeout_ms = 5000, rc, i, quiet_log = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--busy"))
			spin = ~0UL;
		else if (!strcmp(argv[i], "--sleep"))
			spin = 0;
		else if (!strcmp(argv[i], "--spin") && i + 1 < argc)
			spin = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quiet"))
			quiet_log = 1;
		else if (argv[i][0] == '-' || uri)
			usage(argv[0]);
		else
			uri = argv[i];
	}
	if (!uri)
		usage(argv[0]);
	if (zc_hal_linux_open(uri, timeout_ms, app->name, &h) < 0)
		return 1;
	if (quiet_log)
		quiet.log = NULL;
	rc = zc_fw_attach(&fw, zc_hal_linux_base(h), zc_hal_linux_size(h),
			  ZC_SIDE_REMOTE, &quiet, h);
	if (rc < 0) {
		fprintf(stderr, "zc-fw %s: region refused (error %d)\n",
			app->name, -rc);
		zc_hal_linux_close(h);
		return 1;
	}
	fw.spin_polls = spin > 0xffffffffUL ? ~0U : (zc_u32)spin;
	rc = zc_fw_run(&fw, app);
	zc_fw_detach(&fw);
	zc_hal_linux_close(h);
	return rc == 0 ? 0 : 1;
}
