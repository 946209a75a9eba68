// SPDX-License-Identifier: MIT
/* loopback_main.c - the self-test as a host program (meson suite 'firmware'). */
#include <stdio.h>
#include "loopback.h"

static void print_line(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

int main(void)
{
	return zc_fw_loopback(print_line);
}
