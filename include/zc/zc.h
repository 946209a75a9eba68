/* SPDX-License-Identifier: MIT */
/*
 * zc/zc.h - everything an application needs (zc/uring.h is separate, as it
 * pulls in liburing). docs/api.md is the guide.
 */
#ifndef ZC_ZC_H
#define ZC_ZC_H

#include "region.h"
#include "channel.h"
#include "crc32c.h"

#endif /* ZC_ZC_H */
