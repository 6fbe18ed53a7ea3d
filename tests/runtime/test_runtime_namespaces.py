"""UTS, IPC, time and user namespaces (issue 17: unshare, clone, setns, nsfs, /proc/PID/timens_offsets,
/proc/PID/uid_map, gid_map and setgroups).

One static C program (data/namespaces.c) unshares a UTS namespace and sets
names a child changes in its own and leaves by setns; makes IPC namespaces
whose System V objects and limits are their own; checks the nsfs ioctls;
and makes a time namespace whose offsets children see in clock_gettime
through the vDSO and the system call, sysinfo and an absolute sleep, and
which a process enters at exec. A second (data/userns.c) clones a child
into a user namespace, writes its maps, and checks the ids it sees, its
capabilities in and outside it, the user namespace ioctls, and a limit of
its own /proc/sys/user. A third (data/netns.c) unshares a network namespace:
only lo, down (ENETUNREACH) until SIOCSIFFLAGS brings it up; the same port
and abstract Unix name bound in both; a socket's interface ioctls answer for
the namespace it was made in; setns goes back. Natively they
run as root (changing names, IPC objects and ids only in namespaces they
made); the outputs and exit statuses must be the same, and the native runs
must print their FACTS.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from busybox import ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "NS_GET_NSTYPE uts: 0x4000000",
    "NS_GET_PARENT uts: EINVAL",
    "child uname: nschild nsdomain",
    "child /proc/sys/kernel/hostname: nschild",
    "after setns: nsparent",
    "parent keeps: nsparent",
    "shmget parent's key: ENOENT",
    "shmget after setns finds the parent's: 1",
    "clone NEWIPC|SYSVSEM: EINVAL",
    "too far back: ERANGE",
    "boottime         2000         0",
    "child vdso/syscall monotonic agree: 1",
    "child monotonic - boottime around -1000: 1",
    "child uptime past 2000: 1",
    "offsets frozen: EACCES",
    "after exec: in the children's namespace: 1",
    "after exec: boottime - monotonic around 2000 (inherited monotonic offset): 1",
    "done",
)


#: What data/userns.c must print natively.
USERNS_FACTS = (
    "NS_GET_USERNS of the first: EPERM",
    "child before maps: uid 65534 gid 65534",
    "child before maps: / owned by 65534:65534",
    "child after maps: / owned by 0:0",
    "child sethostname in the parent's uts: EPERM",
    "NS_GET_USERNS of the child's is ours: 1",
    "uid_map overlap: EINVAL",
    "uid_map again: EPERM",
    "uid_map:          0          0          1",
    "setgroups allow again: EPERM",
    "child after maps: uid 0 euid 0 gid 0",
    "child setuid(5) unmapped: EINVAL",
    "child fchown to an unmapped uid: EINVAL",
    "child setgroups (denied): EPERM",
    "child sethostname in its own uts: ok",
    "child unshare uts past its limit: ENOSPC",
    "done",
)


#: What data/netns.c must print natively.
NETNS_FACTS = (
    "NS_GET_NSTYPE net: 0x40000000",
    "a new namespace: 1",
    "new lo: loopback 1 up 0",
    "the old socket's lo up: 1",
    "SIOCGIFINDEX lo: ok 1",
    "SIOCGIFADDR lo never up: EADDRNOTAVAIL",
    "SIOCGIFCONF never up: ok, 0 of lo",
    "sendto while lo is down: ENETUNREACH",
    "connect while lo is down: ENETUNREACH",
    "bind the first namespace's port here: ok",
    "same abstract name here: ok",
    "connect to it (not listening here): ECONNREFUSED",
    "lo up now: 1",
    "SIOCGIFCONF up: ok, 1 of lo",
    "received: 2 hi",
    "back in the first: 1",
    "connect to the first's abstract name: ok",
    "the second's name from here: ECONNREFUSED",
    "bind the port again here: EADDRINUSE",
    "done",
)


def _same_as_native(tmp_path: Path, source: str, facts: tuple[str, ...]) -> None:
    if os.geteuid() != 0:
        pytest.fail("the native run makes namespaces: it needs root")
    program = build_static(tmp_path, source)
    native = subprocess.run([str(program)], cwd=tmp_path, env=ENV, capture_output=True, timeout=60, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in facts:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]


def test_uts_ipc_and_time_namespaces_as_on_linux(tmp_path: Path) -> None:
    _same_as_native(tmp_path, "namespaces.c", FACTS)


def test_user_namespaces_as_on_linux(tmp_path: Path) -> None:
    _same_as_native(tmp_path, "userns.c", USERNS_FACTS)


def test_network_namespaces_as_on_linux(tmp_path: Path) -> None:
    _same_as_native(tmp_path, "netns.c", NETNS_FACTS)


def test_a_network_namespace_goes_with_its_last_user(tmp_path: Path) -> None:
    """data/netns_free.c: with max_net_namespaces at 2, two held namespaces make a third ENOSPC, as natively;
    once what held them is closed, 40 more are made and let go one by one. (Linux frees a namespace on a
    workqueue after its last reference, so natively the count comes back a little later: there the loop
    meets ENOSPC, and only the first lines are compared.)"""
    if os.geteuid() != 0:
        pytest.fail("the native run makes namespaces: it needs root")
    program = build_static(tmp_path, "netns_free.c")
    native = subprocess.run([str(program)], cwd=tmp_path, env=ENV, capture_output=True, timeout=60, check=False)
    head = native.stdout.decode().splitlines()[:3]
    assert head == ["first: 0", "second: 0", "third past the limit: ENOSPC"], native.stdout.decode()
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    lines = machine.stdout.decode().splitlines()
    assert (lines[:3], machine.status) == (head, 0), machine.text()[-4000:]
    assert "made and let go: 40" in lines, machine.text()[-4000:]
