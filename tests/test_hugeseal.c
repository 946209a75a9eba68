// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 13: a host whose region is on a hugetlbfs mount
 * (zc_params.hugetlbfs) hands its peer memory the peer cannot truncate:
 * the peer's ftruncate() fails and the host, writing its whole region
 * afterwards, survives (it died of SIGBUS when the region was an unsealed
 * file there). The peer here is a raw client of the handshake, so it holds
 * the very descriptor the host sent. Needs root (to mount hugetlbfs in a
 * private mount namespace) or a hugetlbfs mount, and free huge pages.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "harness.h"

static char dir[64];
static const char *region;
static int go[2];

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

/* A hugetlbfs directory: our own mount in a private namespace, or one there is. */
static int find_hugetlbfs(void)
{
	char line[512], mnt[256], type[64];
	FILE *f;

	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
		snprintf(dir, sizeof(dir), "/tmp/zc-hugeseal-XXXXXX");
		if (mkdtemp(dir) && mount("none", dir, "hugetlbfs", 0, NULL) == 0)
			return 1;
	}
	f = fopen("/proc/mounts", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %63s", mnt, type) == 2 &&
		    !strcmp(type, "hugetlbfs") && strlen(mnt) < sizeof(dir)) {
			snprintf(dir, sizeof(dir), "%s", mnt);
			fclose(f);
			return 2;
		}
	if (f)
		fclose(f);
	return 0;
}

/* The host: serves one peer, then writes all of its region and its state. */
static int host(void *arg)
{
	struct zc_params p;
	zc_region *r;
	char c;
	int i;

	(void)arg;
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 16;
	p.channels = 4;
	p.hugepages = ZC_HUGE_REQUIRE;
	p.hugetlbfs = dir;
	if (zc_create(region, &p, &r))
		return 2;
	if (strcmp(zc_backend_name(r), "shm-hugetlb"))
		return 3;
	if (write(go[1], "c", 1) != 1 || zc_wait_peer(r, 5000))
		return 4;
	if (read(go[0], &c, 1) != 1)	/* the peer has done its worst */
		return 5;
	for (i = 0; i < 3; i++) {
		memset((uint8_t *)zc_base(r) + ZC_SB_SIZE, i, zc_geometry(r)->region_size - ZC_SB_SIZE);
		zc_peer_alive(r);
		zc_kick_peer(r);
	}
	zc_close(r);
	return 0;
}

/* Connect as a peer and take the region's descriptor from the hello. */
static int raw_peer_memfd(int *conn)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(region);
	char hello[24], cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof(hello) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fds[3];

	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, region, n);
	*conn = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(*conn >= 0);
	CHECK(connect(*conn, (struct sockaddr *)&sa,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n)) == 0);
	CHECK(recvmsg(*conn, &m, 0) == (ssize_t)sizeof(hello));
	cm = CMSG_FIRSTHDR(&m);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS &&
	      cm->cmsg_len == CMSG_LEN(sizeof(fds)));
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	close(fds[1]);
	close(fds[2]);
	return fds[0];
}

int main(void)
{
	int how, mem, conn, rc;
	struct stat st;
	pid_t pid;
	char c;

	if (getenv("ZC_TEST_URI") && strncmp(getenv("ZC_TEST_URI"), "shm", 3))
		SKIP("hugeseal: a shm backend test");
	how = find_hugetlbfs();
	if (!how)
		SKIP("hugeseal: no hugetlbfs mount and cannot mount one (not root?)");
	if (meminfo("HugePages_Free") < 4)
		SKIP("hugeseal: no free huge pages (echo 64 > /proc/sys/vm/nr_hugepages)");
	region = test_name("hugeseal");
	CHECK(pipe(go) == 0);
	pid = spawn(host, NULL);
	CHECK(read(go[0], &c, 1) == 1);
	mem = raw_peer_memfd(&conn);
	CHECK(fstat(mem, &st) == 0 && st.st_size > 0);
	/* The attack: shrink the region under the host. */
	rc = ftruncate(mem, 0);
	printf("peer ftruncate(0) -> %d (%s)\n", rc, rc ? strerror(errno) : "succeeded");
	CHECK(rc < 0 && errno == EPERM);
	CHECK(ftruncate(mem, st.st_size * 2) < 0);
	CHECK(fcntl(mem, F_GET_SEALS) & F_SEAL_SHRINK);
	CHECK(write(go[1], "g", 1) == 1);
	rc = reap(pid);
	printf("host exit %d%s\n", rc, rc == 128 + SIGBUS ? " (SIGBUS)" : "");
	CHECK_RC(rc, 0);
	close(mem);
	close(conn);
	if (how == 1) {
		umount(dir);
		rmdir(dir);
	}
	printf("hugeseal: OK (%s)\n", how == 1 ? "own hugetlbfs mount" : dir);
	return 0;
}
