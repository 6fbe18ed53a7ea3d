"""Which family module implements each entry point: a machine imports a family at its first call.

Every module of this package that registers bodies with @syscall is a
family (fs.py: read, write, open, ...). Importing all of them, and the
kernel modules only they use, costs every run tens of milliseconds, and a
program makes calls of a few families only. So a machine binds each
implemented entry point to a stand-in that imports its family on the first
call, puts the real body in its place in the dispatch list (typed as
`registry.bind` types it) and runs it with the call's arguments cast as that
typed body casts them: every later call goes straight to the body, as before.

The index (entry point -> family) is what the families register: it is
found by importing them all once, and kept in the cache under the stat() of
every module of the package (store/filestamp.py's rule: any write changes a
ctime), so an edited family is indexed again. Without a cache, a machine
imports every family at start-up instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import CASTS_ITS_ARGUMENTS, REGISTRY, Handler, sys_ni_syscall
from syscalltbl.store import entry, filestamp

#: Each module that registers system calls, and its import, in the order the package imported them. (Literal
#: names: the layering test reads every import, tests/layers.py; __import__, not importlib.import_module,
#: so that `python -X importtime` lists what a run imports.)
_LOADERS: dict[str, Callable[[], object]] = {
    "access": lambda: __import__("syscalltbl.machine.syscalls.access"),
    "acct": lambda: __import__("syscalltbl.machine.syscalls.acct"),
    "aio": lambda: __import__("syscalltbl.machine.syscalls.aio"),
    "bpf": lambda: __import__("syscalltbl.machine.syscalls.bpf"),
    "cachestat": lambda: __import__("syscalltbl.machine.syscalls.cachestat"),
    "childwait": lambda: __import__("syscalltbl.machine.syscalls.childwait"),
    "chroot": lambda: __import__("syscalltbl.machine.syscalls.chroot"),
    "clock_settime": lambda: __import__("syscalltbl.machine.syscalls.clock_settime"),
    "close_range": lambda: __import__("syscalltbl.machine.syscalls.close_range"),
    "copy_range": lambda: __import__("syscalltbl.machine.syscalls.copy_range"),
    "cred": lambda: __import__("syscalltbl.machine.syscalls.cred"),
    "cwd": lambda: __import__("syscalltbl.machine.syscalls.cwd"),
    "epoll": lambda: __import__("syscalltbl.machine.syscalls.epoll"),
    "eventfd": lambda: __import__("syscalltbl.machine.syscalls.eventfd"),
    "fadvise": lambda: __import__("syscalltbl.machine.syscalls.fadvise"),
    "fallocate": lambda: __import__("syscalltbl.machine.syscalls.fallocate"),
    "fanotify": lambda: __import__("syscalltbl.machine.syscalls.fanotify"),
    "fhandle": lambda: __import__("syscalltbl.machine.syscalls.fhandle"),
    "fileattr": lambda: __import__("syscalltbl.machine.syscalls.fileattr"),
    "fs": lambda: __import__("syscalltbl.machine.syscalls.fs"),
    "fsinfo": lambda: __import__("syscalltbl.machine.syscalls.fsinfo"),
    "futex": lambda: __import__("syscalltbl.machine.syscalls.futex"),
    "getrandom": lambda: __import__("syscalltbl.machine.syscalls.getrandom"),
    "ids": lambda: __import__("syscalltbl.machine.syscalls.ids"),
    "inotify": lambda: __import__("syscalltbl.machine.syscalls.inotify"),
    "io_uring": lambda: __import__("syscalltbl.machine.syscalls.io_uring"),
    "ioprio": lambda: __import__("syscalltbl.machine.syscalls.ioprio"),
    "ipc": lambda: __import__("syscalltbl.machine.syscalls.ipc"),
    "itimer": lambda: __import__("syscalltbl.machine.syscalls.itimer"),
    "kcmp": lambda: __import__("syscalltbl.machine.syscalls.kcmp"),
    "keys": lambda: __import__("syscalltbl.machine.syscalls.keys"),
    "landlock": lambda: __import__("syscalltbl.machine.syscalls.landlock"),
    "locks": lambda: __import__("syscalltbl.machine.syscalls.locks"),
    "lsm": lambda: __import__("syscalltbl.machine.syscalls.lsm"),
    "madvise": lambda: __import__("syscalltbl.machine.syscalls.madvise"),
    "memfd": lambda: __import__("syscalltbl.machine.syscalls.memfd"),
    "misc": lambda: __import__("syscalltbl.machine.syscalls.misc"),
    "mknod": lambda: __import__("syscalltbl.machine.syscalls.mknod"),
    "mlock": lambda: __import__("syscalltbl.machine.syscalls.mlock"),
    "mm": lambda: __import__("syscalltbl.machine.syscalls.mm"),
    "mount": lambda: __import__("syscalltbl.machine.syscalls.mount"),
    "mqueue": lambda: __import__("syscalltbl.machine.syscalls.mqueue"),
    "mseal": lambda: __import__("syscalltbl.machine.syscalls.mseal"),
    "msg": lambda: __import__("syscalltbl.machine.syscalls.msg"),
    "namespaces": lambda: __import__("syscalltbl.machine.syscalls.namespaces"),
    "newmount": lambda: __import__("syscalltbl.machine.syscalls.newmount"),
    "openat2": lambda: __import__("syscalltbl.machine.syscalls.openat2"),
    "perf_event": lambda: __import__("syscalltbl.machine.syscalls.perf_event"),
    "personality": lambda: __import__("syscalltbl.machine.syscalls.personality"),
    "pgrp": lambda: __import__("syscalltbl.machine.syscalls.pgrp"),
    "pidfd": lambda: __import__("syscalltbl.machine.syscalls.pidfd"),
    "posix_timers": lambda: __import__("syscalltbl.machine.syscalls.posix_timers"),
    "preadv": lambda: __import__("syscalltbl.machine.syscalls.preadv"),
    "process": lambda: __import__("syscalltbl.machine.syscalls.process"),
    "process_vm": lambda: __import__("syscalltbl.machine.syscalls.process_vm"),
    "ptrace": lambda: __import__("syscalltbl.machine.syscalls.ptrace"),
    "readahead": lambda: __import__("syscalltbl.machine.syscalls.readahead"),
    "readdir": lambda: __import__("syscalltbl.machine.syscalls.readdir"),
    "readlink": lambda: __import__("syscalltbl.machine.syscalls.readlink"),
    "reboot": lambda: __import__("syscalltbl.machine.syscalls.reboot"),
    "remap_file_pages": lambda: __import__("syscalltbl.machine.syscalls.remap_file_pages"),
    "resource": lambda: __import__("syscalltbl.machine.syscalls.resource"),
    "robust_list": lambda: __import__("syscalltbl.machine.syscalls.robust_list"),
    "rusage": lambda: __import__("syscalltbl.machine.syscalls.rusage"),
    "sched": lambda: __import__("syscalltbl.machine.syscalls.sched"),
    "sched_policy": lambda: __import__("syscalltbl.machine.syscalls.sched_policy"),
    "seccomp": lambda: __import__("syscalltbl.machine.syscalls.seccomp"),
    "select": lambda: __import__("syscalltbl.machine.syscalls.select"),
    "sem": lambda: __import__("syscalltbl.machine.syscalls.sem"),
    "signal": lambda: __import__("syscalltbl.machine.syscalls.signal"),
    "signalfd": lambda: __import__("syscalltbl.machine.syscalls.signalfd"),
    "sigqueue": lambda: __import__("syscalltbl.machine.syscalls.sigqueue"),
    "sigwait": lambda: __import__("syscalltbl.machine.syscalls.sigwait"),
    "socket": lambda: __import__("syscalltbl.machine.syscalls.socket"),
    "sockmmsg": lambda: __import__("syscalltbl.machine.syscalls.sockmmsg"),
    "sockmsg": lambda: __import__("syscalltbl.machine.syscalls.sockmsg"),
    "splice": lambda: __import__("syscalltbl.machine.syscalls.splice"),
    "statmount": lambda: __import__("syscalltbl.machine.syscalls.statmount"),
    "statx": lambda: __import__("syscalltbl.machine.syscalls.statx"),
    "syslog": lambda: __import__("syscalltbl.machine.syscalls.syslog"),
    "time": lambda: __import__("syscalltbl.machine.syscalls.time"),
    "timerfd": lambda: __import__("syscalltbl.machine.syscalls.timerfd"),
    "userfaultfd": lambda: __import__("syscalltbl.machine.syscalls.userfaultfd"),
    "uts": lambda: __import__("syscalltbl.machine.syscalls.uts"),
    "waitid": lambda: __import__("syscalltbl.machine.syscalls.waitid"),
    "xattr": lambda: __import__("syscalltbl.machine.syscalls.xattr"),
}
FAMILIES = tuple(_LOADERS)
_KIND = "syscall-families"

#: Told (entry point, body) when a stand-in has loaded its family; answers the body as the dispatch
#: lists now hold it, its arguments typed (registry.typed).
Loaded = Callable[[str, Handler], Handler]


def load(family: str) -> None:
    """Import `family`; every family when it is none of them (a body registered by a helper module)."""
    loader = _LOADERS.get(family)
    if loader is None:
        load_all()
    else:
        loader()


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
                stamps.append(f"{item.name}\0{filestamp.stamp(item.stat())}")
    except OSError:
        return None  # no files to stamp (a zipped install): import them all
    key = entry.digest(_KIND, *stamps)
    root = entry.preferred_root()
    known = entry.read(root, _KIND, key)
    if known is not None:
        return dict(line.split(" ", 1) for line in known.decode("ascii").splitlines())
    found = {}
    for ep, handler in load_all().items():
        package, _, module = handler.__module__.rpartition(".")
        if package == __package__:  # not a body some other module registered in this process
            found[ep] = module
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
    return {ep: _StandIn(ep, family, loaded) for ep, family in found.items()}


class _StandIn:
    """Bound as it is (registry.CASTS_ITS_ARGUMENTS): it gets the registers' values, and the typed body
    `loaded` answers casts them, so that only the entry points a run calls are ever typed. (An object,
    not a closure: a machine makes a few hundred of them at every start.)"""

    __slots__ = ("__name__", "family", "loaded")

    def __init__(self, entry_point: str, family: str, loaded: Loaded) -> None:
        self.__name__ = entry_point  # what --ftrace and a traceback would name
        self.family = family
        self.loaded = loaded

    def __call__(self, t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
        entry_point = self.__name__
        return self.loaded(entry_point, body(entry_point, self.family))(t, a0, a1, a2, a3, a4, a5)


setattr(_StandIn, CASTS_ITS_ARGUMENTS, True)
