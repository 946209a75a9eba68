// SPDX-License-Identifier: MIT
/* zc_strerror(): a sentence a person can act on, for each error zc returns. */
#include <errno.h>
#include <string.h>
#include "zc/zc.h"

const char *zc_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case ENOENT:
		return "no such region or channel (is the peer running, and is the name right?)";
	case EBUSY:
		return "the region already has a peer attached";
	case EPROTO:
		return "the peer broke the zc protocol (a corrupt index, offset, length or superblock); the channel or region is unusable";
	case EBADMSG:
		return "message out of sequence (a lost, duplicated or reordered frame) or an incompatible region version";
	case EMSGSIZE:
		return "message or region size out of range (message larger than the buffer or max_msg, or a truncated region)";
	case EPIPE:
		return "the peer is gone (it closed, exited or was killed)";
	case ETIMEDOUT:
		return "timed out waiting for the peer";
	case EAGAIN:
		return "nothing to do right now (no message waiting or no free slot); try again";
	case EINVAL:
		return "invalid argument (a parameter out of range; a SEQ channel needs a power-of-two slot count of at most 32768)";
	case ENOSPC:
		return "no free channel table entry";
	case EEXIST:
		return "a region or channel with that name already exists";
	case ENOMEM:
		return "out of memory (or no huge pages reserved: see /proc/sys/vm/nr_hugepages)";
	case ENAMETOOLONG:
		return "name too long (regions: 100 bytes, channels: 31 bytes)";
	case EOPNOTSUPP:
		return "not supported by this kernel or backend";
	case ENOTCONN:
		return "no peer has attached yet (the host must wait for one: zc_wait_peer)";
	case ENODEV:
		return "no such zc device (/dev/zcN is absent: is zc.ko loaded, with that many links?)";
	case ENOTTY:
		return "not a zc device (the file does not answer the zc driver's ioctls)";
	case ECANCELED:
		return "the peer abandoned the message it was sending (its write timed out or failed mid-message); the partial message was discarded, the next one follows";
	case EPROTONOSUPPORT:
		return "the peer uses a channel mode or geometry this side does not support";
	default:
		return strerror(-err);
	}
}
