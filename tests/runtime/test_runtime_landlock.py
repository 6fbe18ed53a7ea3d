"""Landlock (issue 17): a sandboxed child meets what its domain allows and refuses, as on Linux.

One static C program asks the ABI version and the ruleset errors, then a
child builds a ruleset (file rights beneath rw/ and ro/, a TCP bind port, the
signal scope), restricts itself (as root, without no_new_privs, then with
it: two layers) and tries creating, reading, writing (also through
/proc/self/fd), truncating, making directories, unlinking, renaming across
and within the rules, exec of a file outside them, binding the allowed and another port, signalling its parent
(outside its scope) and itself, and a third layer that handles READ_DIR.
Natively it runs in a fresh directory of /dev/shm; on the machine in the
root's /work. Outputs and exit statuses must be the same, and the native
run must print the FACTS.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "abi: 7",
    "empty ruleset: -1 ENOMSG",
    "rule on a file, MAKE_DIR: -1 EINVAL",
    "create in rw: 3",
    "create in ro: -1 EACCES",
    "write in ro: -1 EACCES",
    "read in ro through /proc: 0",
    "write in ro through /proc: -1 EACCES",
    "truncate in ro: -1 EACCES",
    "rename rw to ro: -1 EACCES",
    "rename within rw: 0",
    "exec outside: -1 EACCES",
    "bind allowed port: 0",
    "bind other port: -1 EACCES",
    "signal the parent: -1 EPERM",
    "signal itself: 0",
    "opendir rw now: -1 EACCES",
    "done",
)


def test_landlock_domain_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "landlock.c"), FACTS)
