"""Which family module implements each entry point: a machine imports a family at its first call.

Every module of this package that registers bodies with @syscall is a
family (fs.py: read, write, open, ...). Importing all of them costs a run
more than the rest of its start-up together, and a program makes calls of a
few families only. So a machine binds each implemented entry point to a
stand-in that imports its family on the first call, puts the real body in
its place in the dispatch list (typed as `registry.bind` types it) and runs
it: every later call goes straight to the body, as before.

The index (entry point -> family) is what the families register: it is
found by importing them all once, and kept in the cache under the stat() of
every module of the package (store/filestamp.py's rule: any write changes a
ctime), so an edited family is indexed again. Without a cache, a machine
imports every family at start-up instead.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, sys_ni_syscall
from syscalltbl.store import entry

#: Each module that registers system calls, and its import, in the order the package imported them. (Literal
#: names: the layering test reads every import, tests/layers.py.)
_LOADERS: dict[str, Callable[[], object]] = {
    "access": lambda: importlib.import_module("syscalltbl.machine.syscalls.access"),
    "acct": lambda: importlib.import_module("syscalltbl.machine.syscalls.acct"),
    "aio": lambda: importlib.import_module("syscalltbl.machine.syscalls.aio"),
    "bpf": lambda: importlib.import_module("syscalltbl.machine.syscalls.bpf"),
    "cachestat": lambda: importlib.import_module("syscalltbl.machine.syscalls.cachestat"),
    "childwait": lambda: importlib.import_module("syscalltbl.machine.syscalls.childwait"),
    "chroot": lambda: importlib.import_module("syscalltbl.machine.syscalls.chroot"),
    "clock_settime": lambda: importlib.import_module("syscalltbl.machine.syscalls.clock_settime"),
    "close_range": lambda: importlib.import_module("syscalltbl.machine.syscalls.close_range"),
    "copy_range": lambda: importlib.import_module("syscalltbl.machine.syscalls.copy_range"),
    "cred": lambda: importlib.import_module("syscalltbl.machine.syscalls.cred"),
    "epoll": lambda: importlib.import_module("syscalltbl.machine.syscalls.epoll"),
    "eventfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.eventfd"),
    "fadvise": lambda: importlib.import_module("syscalltbl.machine.syscalls.fadvise"),
    "fallocate": lambda: importlib.import_module("syscalltbl.machine.syscalls.fallocate"),
    "fanotify": lambda: importlib.import_module("syscalltbl.machine.syscalls.fanotify"),
    "fhandle": lambda: importlib.import_module("syscalltbl.machine.syscalls.fhandle"),
    "fileattr": lambda: importlib.import_module("syscalltbl.machine.syscalls.fileattr"),
    "fs": lambda: importlib.import_module("syscalltbl.machine.syscalls.fs"),
    "fsinfo": lambda: importlib.import_module("syscalltbl.machine.syscalls.fsinfo"),
    "futex": lambda: importlib.import_module("syscalltbl.machine.syscalls.futex"),
    "inotify": lambda: importlib.import_module("syscalltbl.machine.syscalls.inotify"),
    "io_uring": lambda: importlib.import_module("syscalltbl.machine.syscalls.io_uring"),
    "ioprio": lambda: importlib.import_module("syscalltbl.machine.syscalls.ioprio"),
    "ipc": lambda: importlib.import_module("syscalltbl.machine.syscalls.ipc"),
    "itimer": lambda: importlib.import_module("syscalltbl.machine.syscalls.itimer"),
    "kcmp": lambda: importlib.import_module("syscalltbl.machine.syscalls.kcmp"),
    "keys": lambda: importlib.import_module("syscalltbl.machine.syscalls.keys"),
    "landlock": lambda: importlib.import_module("syscalltbl.machine.syscalls.landlock"),
    "locks": lambda: importlib.import_module("syscalltbl.machine.syscalls.locks"),
    "lsm": lambda: importlib.import_module("syscalltbl.machine.syscalls.lsm"),
    "madvise": lambda: importlib.import_module("syscalltbl.machine.syscalls.madvise"),
    "memfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.memfd"),
    "misc": lambda: importlib.import_module("syscalltbl.machine.syscalls.misc"),
    "mknod": lambda: importlib.import_module("syscalltbl.machine.syscalls.mknod"),
    "mlock": lambda: importlib.import_module("syscalltbl.machine.syscalls.mlock"),
    "mm": lambda: importlib.import_module("syscalltbl.machine.syscalls.mm"),
    "mount": lambda: importlib.import_module("syscalltbl.machine.syscalls.mount"),
    "mqueue": lambda: importlib.import_module("syscalltbl.machine.syscalls.mqueue"),
    "mseal": lambda: importlib.import_module("syscalltbl.machine.syscalls.mseal"),
    "msg": lambda: importlib.import_module("syscalltbl.machine.syscalls.msg"),
    "namespaces": lambda: importlib.import_module("syscalltbl.machine.syscalls.namespaces"),
    "newmount": lambda: importlib.import_module("syscalltbl.machine.syscalls.newmount"),
    "openat2": lambda: importlib.import_module("syscalltbl.machine.syscalls.openat2"),
    "perf_event": lambda: importlib.import_module("syscalltbl.machine.syscalls.perf_event"),
    "personality": lambda: importlib.import_module("syscalltbl.machine.syscalls.personality"),
    "pgrp": lambda: importlib.import_module("syscalltbl.machine.syscalls.pgrp"),
    "pidfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.pidfd"),
    "posix_timers": lambda: importlib.import_module("syscalltbl.machine.syscalls.posix_timers"),
    "preadv": lambda: importlib.import_module("syscalltbl.machine.syscalls.preadv"),
    "process": lambda: importlib.import_module("syscalltbl.machine.syscalls.process"),
    "process_vm": lambda: importlib.import_module("syscalltbl.machine.syscalls.process_vm"),
    "ptrace": lambda: importlib.import_module("syscalltbl.machine.syscalls.ptrace"),
    "readahead": lambda: importlib.import_module("syscalltbl.machine.syscalls.readahead"),
    "readdir": lambda: importlib.import_module("syscalltbl.machine.syscalls.readdir"),
    "reboot": lambda: importlib.import_module("syscalltbl.machine.syscalls.reboot"),
    "remap_file_pages": lambda: importlib.import_module("syscalltbl.machine.syscalls.remap_file_pages"),
    "resource": lambda: importlib.import_module("syscalltbl.machine.syscalls.resource"),
    "rusage": lambda: importlib.import_module("syscalltbl.machine.syscalls.rusage"),
    "sched": lambda: importlib.import_module("syscalltbl.machine.syscalls.sched"),
    "sched_policy": lambda: importlib.import_module("syscalltbl.machine.syscalls.sched_policy"),
    "seccomp": lambda: importlib.import_module("syscalltbl.machine.syscalls.seccomp"),
    "select": lambda: importlib.import_module("syscalltbl.machine.syscalls.select"),
    "sem": lambda: importlib.import_module("syscalltbl.machine.syscalls.sem"),
    "signal": lambda: importlib.import_module("syscalltbl.machine.syscalls.signal"),
    "signalfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.signalfd"),
    "sigqueue": lambda: importlib.import_module("syscalltbl.machine.syscalls.sigqueue"),
    "sigwait": lambda: importlib.import_module("syscalltbl.machine.syscalls.sigwait"),
    "socket": lambda: importlib.import_module("syscalltbl.machine.syscalls.socket"),
    "sockmmsg": lambda: importlib.import_module("syscalltbl.machine.syscalls.sockmmsg"),
    "sockmsg": lambda: importlib.import_module("syscalltbl.machine.syscalls.sockmsg"),
    "splice": lambda: importlib.import_module("syscalltbl.machine.syscalls.splice"),
    "statmount": lambda: importlib.import_module("syscalltbl.machine.syscalls.statmount"),
    "statx": lambda: importlib.import_module("syscalltbl.machine.syscalls.statx"),
    "syslog": lambda: importlib.import_module("syscalltbl.machine.syscalls.syslog"),
    "time": lambda: importlib.import_module("syscalltbl.machine.syscalls.time"),
    "timerfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.timerfd"),
    "userfaultfd": lambda: importlib.import_module("syscalltbl.machine.syscalls.userfaultfd"),
    "uts": lambda: importlib.import_module("syscalltbl.machine.syscalls.uts"),
    "waitid": lambda: importlib.import_module("syscalltbl.machine.syscalls.waitid"),
    "xattr": lambda: importlib.import_module("syscalltbl.machine.syscalls.xattr"),
}
FAMILIES = tuple(_LOADERS)
_KIND = "syscall-families"

#: Told (entry point, body) when a stand-in has loaded its family.
Loaded = Callable[[str, Handler], None]


def load(family: str) -> None:
    _LOADERS[family]()


def load_all() -> dict[str, Handler]:
    """Every family imported: REGISTRY complete."""
    for family in FAMILIES:
        load(family)
    return REGISTRY


def index() -> dict[str, str] | None:
    """Entry point -> the module that registers it; None without a cache (import them all then)."""
    if not entry.enabled():
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    stamps = [entry.interpreter()]
    try:
        for item in sorted(os.scandir(here), key=lambda e: e.name):
            if item.name.endswith(".py"):
                st = item.stat()
                stamps.append(f"{item.name}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}")
    except OSError:
        return None  # no files to stamp (a zipped install): import them all
    key = entry.digest(_KIND, *stamps)
    root = entry.preferred_root()
    known = entry.read(root, _KIND, key)
    if known is not None:
        return dict(line.split(" ", 1) for line in known.decode("ascii").splitlines())
    found = {ep: handler.__module__.rpartition(".")[2] for ep, handler in load_all().items()}
    entry.write(root, _KIND, key, "".join(f"{ep} {family}\n" for ep, family in sorted(found.items())).encode())
    return found


def body(entry_point: str, family: str) -> Handler:
    """The registered body of `entry_point`, its family imported (all of them if the index was wrong)."""
    load(family)
    found = REGISTRY.get(entry_point)
    if found is None:
        found = load_all().get(entry_point, sys_ni_syscall)
    return found


def stand_ins(found: dict[str, str], loaded: Loaded) -> dict[str, Handler]:
    """Entry point -> a stand-in that loads its body on the first call and gives it to `loaded`."""
    return {ep: _stand_in(ep, family, loaded) for ep, family in found.items()}


def _stand_in(entry_point: str, family: str, loaded: Loaded) -> Handler:
    def first_call(t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
        handler = body(entry_point, family)
        loaded(entry_point, handler)
        return handler(t, a0, a1, a2, a3, a4, a5)

    first_call.__name__ = first_call.__qualname__ = entry_point
    return first_call
