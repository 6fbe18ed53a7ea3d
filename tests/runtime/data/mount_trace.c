/* The mount, umount2, unshare, setns, chroot, pivot_root, open_tree, move_mount and mount_setattr calls
 * --trace must show as strace does: flags no name covers, MS_MGC_VAL, a bind (its type and data shown as
 * addresses), struct mount_attr. The unshare gives the process a mount namespace of its own; no mount is
 * made or removed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

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
    struct mount_attr a = {MOUNT_ATTR_NOEXEC | MOUNT_ATTR_RDONLY, MOUNT_ATTR__ATIME, MS_SHARED, 0};
    syscall(SYS_open_tree, AT_FDCWD, "nosuch", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    syscall(SYS_open_tree, 3, "", AT_EMPTY_PATH | 0x4);
    syscall(SYS_move_mount, 3, "", AT_FDCWD, "nosuch", MOVE_MOUNT_F_EMPTY_PATH | 0x200);
    syscall(SYS_move_mount, AT_FDCWD, "a", 4, "b", 0x8000);
    syscall(SYS_mount_setattr, AT_FDCWD, "nosuch", AT_RECURSIVE, &a, sizeof a);
    syscall(SYS_mount_setattr, -1, "nosuch", 0, 0, 32);
    return 0;
}
