"""process_vm_readv/writev, sysfs, ustat, reboot, vhangup, syslog, cachestat, remap_file_pages,
mseal, lsm_list_modules (issue 17, debugging and leftovers).

One static C program forks a child, reads and writes the child's memory
with process_vm_readv/writev (whole, scattered, partial up to an unreadable
page, and every error LTP's cma tests check), then asks sysfs about the
filesystem types, ustat about its working directory's device, and reboot,
vhangup and syslog the questions whose answers change nothing on the host,
cachestat which pages of a file of its own are cached, and remap_file_pages
moves a shared mapping's pages around its file; a child seals part of an
area with mseal and tries every call a seal refuses; lsm_list_modules lists
the capability module. Natively it runs in
a fresh directory of /dev/shm; on the machine in the root's /work. Outputs
and exit statuses must be the same, and the native run must print the FACTS.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "readv 10: 10 'the child''",
    "readv 4+6: 10 'chil' 'd's ow'",
    "readv across PROT_NONE: 100",
    "readv in PROT_NONE: -1 EFAULT",
    "child sees: written by the parent",
    "nobody reads root: -1 EPERM",
    "sysfs name of proc's index: 0 proc",
    "ustat of .'s device: 0",
    "ustat of device -1: -1 EINVAL",
    "nobody reboot: -1 EPERM",
    "reboot bad command: -1 EINVAL",
    "nobody syslog READ: -1 EPERM",
    "syslog CONSOLE_LEVEL 9: -1 EINVAL",
    "syslog READ_ALL 1023: in range 1, a record's start '<'",
    "/proc/sys/kernel/printk: 4 levels",
    "cachestat whole: 0 cache 3 dirty 0 writeback 0 evicted 0 recently 0",
    "cachestat 4096+4097: 0 cache 2",
    "cachestat O_PATH: -1 EBADF",
    "remap page 0 to 3: 0 now DBCD",
    "remap pages 2-3 to 0-1: 0 now DBAB",
    "file's first byte: a",
    "remap private: -1 EINVAL",
    "mseal over a hole: -1 ENOMEM",
    "munmap over it: -1 EPERM",
    "madvise DONTNEED: -1 EPERM",
    "mremap it: EPERM",
    "remap_file_pages of a sealed area: -1 EPERM",
    "brk shrinking over it: break kept 1",
    "forked child munmap: -1 EPERM",
    "lsm size 0: -1 E2BIG needed a multiple of 8: 1",
    "lsm list: count matches size 1, capability listed 1",
    "done",
)


def test_process_vm_and_leftover_calls_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "process_vm.c"), FACTS)
