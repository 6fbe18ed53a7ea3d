/* statmount(2) and listmount(2) on the machine (tests/runtime/test_runtime_statmount.py): the mounts under the
 * caller's root, one mounted and gone again, the root's fields, and copy_mnt_id_req's errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct req { uint32_t size, ns_fd; uint64_t mnt_id, param; };
struct sm {
	uint32_t size, mnt_opts; uint64_t mask; uint32_t dev_major, dev_minor; uint64_t magic; uint32_t sb_flags, fs_type;
	uint64_t mnt_id, parent_id; uint32_t id_old, parent_old; uint64_t attr, propagation, peer, master, from;
	uint32_t mnt_root, mnt_point; uint64_t ns_id; uint32_t subtype, source, opt_num, opt_array, sec_num, sec_array;
	uint64_t supported; uint32_t u[4]; uint64_t spare[43]; char str[];
};
static union { struct sm sm; char bytes[4096]; } buf;

static long list(uint64_t parent, uint64_t *ids, size_t n)
{
	struct req r = { 24, 0, parent, 0 };
	return syscall(458, &r, ids, n, 0);
}

static long stat_mount(uint64_t id, uint64_t mask, size_t size)
{
	struct req r = { 24, 0, id, mask };
	memset(&buf, 0, sizeof(buf));
	return syscall(457, &r, &buf, size, 0);
}

int main(void)
{
	uint64_t ids[64], more[64];
	long n = list(~0ULL, ids, 64);
	mkdir("mnt", 0755);
	mount("none", "mnt", "tmpfs", 0, "size=1M");
	long m = list(~0ULL, more, 64);
	printf("a mount more: %s\n", m == n + 1 ? "yes" : "no");
	printf("statmount: %ld\n", stat_mount(more[m - 1], 0x20 | 0x10 | 0x2 | 0x80, sizeof(buf)));
	printf("mask %#llx type %s point %s opts %s\n", (unsigned long long)buf.sm.mask, buf.sm.str + buf.sm.fs_type,
	       buf.sm.str + buf.sm.mnt_point, buf.sm.str + buf.sm.mnt_opts);
	printf("private: %s, parent listed: %s\n", buf.sm.propagation == MS_PRIVATE ? "yes" : "no",
	       buf.sm.parent_id == ids[0] || buf.sm.parent_id == ids[n - 1] ? "yes" : "no");
	printf("no room for strings: %s\n", stat_mount(more[m - 1], 0x20, 512) < 0 ? strerror(errno) : "ok");
	umount("mnt");
	printf("after umount: %s\n", stat_mount(more[m - 1], 2, sizeof(buf)) < 0 ? strerror(errno) : "ok");
	printf("mnt_id 0: %s\n", list(0, ids, 64) < 0 ? strerror(errno) : "ok");
	printf("flags: %s\n", syscall(458, &(struct req){ 24, 0, ~0ULL, 0 }, ids, 64, 2) < 0 ? strerror(errno) : "ok");
	return 0;
}
