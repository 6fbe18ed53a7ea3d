/* The mount, umount2, unshare, setns, chroot and pivot_root calls --trace must show as strace does: flags
 * no name covers, MS_MGC_VAL, a bind (its type and data shown as addresses). The unshare gives the process a
 * mount namespace of its own; no mount is made or removed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    unshare(CLONE_NEWNS | CLONE_FS | CLONE_FILES);
    unshare(0x2000);
    unshare(0);
    setns(99, CLONE_NEWNS);
    setns(99, 0);
    setns(99, 0x40000000 | 0x80);
    mount("a", "b", "c", 0xC0ED0000 | MS_RDONLY, "x");
    mount("a", "b", "c", 0xC0ED0000, "x");
    mount("a", "b", "c", MS_RDONLY | (1UL << 40), "x");
    mount("a", "b", "c", MS_BIND | MS_REC, "x");
    mount(NULL, "b", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, "size=1m");
    umount2("x", 0);
    umount2("x", MNT_FORCE | UMOUNT_NOFOLLOW);
    umount2("x", 0x100);
    chroot("/nonexist");
    syscall(SYS_pivot_root, "a", "b");
    return 0;
}
