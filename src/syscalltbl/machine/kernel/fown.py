"""Who an open file signals (struct fown_struct, fs/fcntl.c): F_SETOWN's process, group or thread, and
F_SETSIG's signal, sent as SIGIO is when I/O is possible on a file with O_ASYNC or a lease is broken.

Owners are kept per open file, weakly (most files never have one), as are
the O_ASYNC files of each pipe (its fasync lists).
"""

from __future__ import annotations

import struct
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import landlock, signals
from syscalltbl.machine.kernel.signals import SIGINFO_SIZE
from syscalltbl.machine.uapi.fown import BAND_TABLE, F_OWNER_PID, F_OWNER_TID
from syscalltbl.machine.uapi.signal import SI_KERNEL, SIGIO
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.landlock import Domain
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import OpenFile


class Owner(Value):
    kind: int  # an F_OWNER_* (a file never given one answers F_OWNER_TID, pid 0)
    pid: int
    uid: int  # the setter's real and effective uids: sigio_perm checks them against the target's
    euid: int
    signum: int  # F_SETSIG's; 0 is SIGIO without details
    domain: Domain | None  # the setter's Landlock domain (fown_subject): its signal scope holds

    __slots__ = _fields = ("kind", "pid", "uid", "euid", "signum", "domain")

    def __init__(
        self,
        kind: int = F_OWNER_TID,
        pid: int = 0,
        uid: int = 0,
        euid: int = 0,
        signum: int = 0,
        domain: Domain | None = None,
    ) -> None:
        self.kind = kind
        self.pid = pid
        self.uid = uid
        self.euid = euid
        self.signum = signum
        self.domain = domain


_owners: weakref.WeakKeyDictionary[OpenFile, Owner] = weakref.WeakKeyDictionary()
#: For each pipe (or other object with fasync lists): its O_ASYNC open files, each with the descriptor it
#: was set on and its side (True: a writer, told when there is room; False: a reader, told of data).
_fasync: weakref.WeakKeyDictionary[object, weakref.WeakKeyDictionary[OpenFile, tuple[int, bool]]] = (
    weakref.WeakKeyDictionary())


def owner_of(f: OpenFile) -> Owner:
    owner = _owners.get(f)
    if owner is None:
        owner = _owners[f] = Owner()
    return owner


def set_owner(f: OpenFile, kind: int, pid: int, setter: Task) -> None:
    """__f_setown: the owner, and the setter's credentials for later permission checks."""
    owner = owner_of(f)
    owner.kind, owner.pid, owner.uid, owner.euid = kind, pid, setter.cred.uid, setter.cred.euid
    owner.domain = setter.cred.landlock


def fasync(source: object, f: OpenFile, fd: int, *, writer: bool, on: bool) -> None:
    """fasync_helper: `f` (by `fd`) joins or leaves the files `source` signals."""
    files = _fasync.setdefault(source, weakref.WeakKeyDictionary())
    if on:
        files[f] = (fd, writer)
    else:
        files.pop(f, None)


def kill_fasync(machine_tasks: dict[int, Task], source: object, reason: int, *, writers: bool) -> None:
    """kill_fasync: each O_ASYNC file of `source` on that side signals its owner."""
    for f, (fd, writer) in list(_fasync.get(source, {}).items()):
        if writer == writers:
            send_sigio(machine_tasks, f, fd, reason)


def _sigpoll_info(sig: int, reason: int, fd: int) -> bytes:
    """siginfo's _sigpoll: si_band and si_fd."""
    band = BAND_TABLE[reason - 1] if 1 <= reason <= len(BAND_TABLE) else 0
    return struct.pack("<iii4xqi", sig, 0, reason, band, fd).ljust(SIGINFO_SIZE, b"\0")


def _may_signal(owner: Owner, target: Task) -> bool:
    """sigio_perm: root's owner, or one whose uids match the target's real or saved uid; and Landlock's
    hook_file_send_sigiotask: a target outside the setter's signal scope is out of reach."""
    cred = target.cred
    if landlock.signal_denied(owner.domain, cred.landlock):
        return False
    return owner.euid == 0 or owner.euid in (cred.suid, cred.uid) or owner.uid in (cred.suid, cred.uid)


def send_sigio(machine_tasks: dict[int, Task], f: OpenFile, fd: int, reason: int) -> None:
    """send_sigio: the owner's thread, process or process group gets F_SETSIG's signal (with si_fd and
    si_band) or plain SIGIO."""
    owner = _owners.get(f)
    if owner is None or not owner.pid:
        return
    sig = owner.signum or SIGIO
    info = _sigpoll_info(sig, reason, fd) if owner.signum else signals.siginfo(SIGIO, SI_KERNEL)
    if owner.kind == F_OWNER_TID:
        thread = machine_tasks.get(owner.pid)
        if thread is not None and thread.status is None and _may_signal(owner, thread):
            signals.send_thread(thread, sig, info)
        return
    for task in list(machine_tasks.values()):
        if not task.is_leader or task.status is not None:
            continue
        member = task.pid == owner.pid if owner.kind == F_OWNER_PID else task.pgid == owner.pid
        if member and _may_signal(owner, task):
            signals.send(task, sig, info)

