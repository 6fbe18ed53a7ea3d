"""System V shared memory: shmget, shmat, shmdt, shmctl (ipc/shm.c); the segments are kernel/shm.py's."""

from __future__ import annotations

import time

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.kernel.mm import MMAP_MIN_ADDR, page_up
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.shm import Segment, ShmNamespace
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.ipc import (
    IPC_ID_SEQ,
    IPC_INFO,
    IPC_RMID,
    IPC_SET,
    IPC_STAT,
    SHM_EXEC,
    SHM_INFO,
    SHM_INFO_STRUCT,
    SHM_LOCK,
    SHM_LOCKED,
    SHM_RDONLY,
    SHM_REMAP,
    SHM_RND,
    SHM_STAT,
    SHM_STAT_ANY,
    SHM_UNLOCK,
    SHMID64_DS,
    SHMINFO64,
    SHMLBA,
    SHMMIN,
    SHMSEG,
)

READ, WRITE, EXEC = 0o444, 0o222, 0o111  # S_IRUGO, S_IWUGO, S_IXUGO


def _namespace(t: Task) -> ShmNamespace:
    return t.nsproxy.ipc.shm


@syscall("sys_shmget")
def sys_shmget(t: Task, key: int, size: int, flags: int, *_: int) -> int:
    return _namespace(t).get(key, size, flags, t.cred.euid, t.cred.egid, t.pid, t.nsproxy.ipc.limits)


@syscall("sys_shmat")
def sys_shmat(t: Task, shmid: int, addr: int, flags: int, *_: int) -> int:
    if shmid < 0:
        raise Errno(EINVAL)
    fixed = bool(addr)
    if addr:
        if addr % SHMLBA:
            if not flags & SHM_RND:
                raise Errno(EINVAL)
            addr -= addr % SHMLBA
            if not addr and flags & SHM_REMAP:
                raise Errno(EINVAL)  # rounded down to nothing: there is nothing to replace
    elif flags & SHM_REMAP:
        raise Errno(EINVAL)
    write = not flags & SHM_RDONLY
    access = READ | (WRITE if write else 0) | (EXEC if flags & SHM_EXEC else 0)
    segment = _namespace(t).find(shmid)
    if not segment.permits(t.cred.euid, t.cred.egid, access):
        raise Errno(EACCES)
    mm = t.mm
    size = page_up(segment.size)
    if fixed:
        if addr + size > TASK_SIZE_MAX:
            raise Errno(EINVAL)
        if addr < MMAP_MIN_ADDR:
            raise Errno(EPERM)
        if not flags & SHM_REMAP and not mm.is_free(addr, addr + size):
            raise Errno(EINVAL)  # find_vma_intersection: attaching over a mapping needs SHM_REMAP
    else:
        found = mm.unmapped_area(size)
        if found is None:
            raise Errno(ENOMEM)
        addr = found
    if not mm.can_add_areas(1 if mm.is_free(addr, addr + size) else 3):
        raise Errno(ENOMEM)
    vma = mm.add_vma(addr, addr + size, read=True, write=write, execute=bool(flags & SHM_EXEC), committed=True,
                     name=f"/SYSV{segment.perm.key & 0xFFFFFFFF:08x} (deleted)", shared=True, backing=segment)
    vma.maywrite = write  # SHM_RDONLY: the segment is attached as if opened read-only
    segment.atime, segment.lpid = int(time.time()), t.pid
    t.cpu.flush_tlb()
    return addr


@syscall("sys_shmdt")
def sys_shmdt(t: Task, addr: int, *_: int) -> int:
    if addr % PAGE_SIZE:
        raise Errno(EINVAL)
    mm = t.mm
    first = mm.find_vma(addr)
    if first is None or first.start != addr or first.pgoff or not isinstance(first.backing, Segment):
        raise Errno(EINVAL)
    segment = first.backing
    end = addr + page_up(segment.size)
    # Every area of this attachment, split or partly unmapped since: the segment's, at its own offset.
    for vma in [v for v in mm.vmas if addr <= v.start < end and v.backing is segment
                and v.pgoff == (v.start - addr) // PAGE_SIZE]:
        mm.remove_range(vma.start, vma.end)
    t.cpu.flush_tlb()  # the areas' removal set dtime and lpid
    return 0


def _stat(t: Task, segment: Segment) -> bytes:
    """shm_stat: the creator's and last user's pids as the caller's pid namespace numbers them."""
    p = segment.perm
    return SHMID64_DS.pack(p.key, p.uid, p.gid, p.cuid, p.cgid, p.mode, p.seq, 0, 0, segment.size,
                           segment.atime, segment.dtime, segment.ctime, pid_vnr(t, segment.cpid),
                           pid_vnr(t, segment.lpid), segment.nattch, 0, 0)


def _owner(t: Task, segment: Segment) -> None:
    """IPC_SET, IPC_RMID and SHM_LOCK are for the owner, the creator or root (ipcctl_obtain_check)."""
    if t.cred.euid and t.cred.euid not in (segment.perm.uid, segment.perm.cuid):
        raise Errno(EPERM)


@syscall("sys_shmctl")
def sys_shmctl(t: Task, shmid: int, cmd: int, buf: int, *_: int) -> int:
    if cmd < 0 or shmid < 0:
        raise Errno(EINVAL)
    ns = _namespace(t)
    if cmd == IPC_INFO:
        limits = t.nsproxy.ipc.limits
        copy_to_user(t.mm, buf, SHMINFO64.pack(limits.shmmax, SHMMIN, limits.shmmni, SHMSEG, limits.shmall, 0, 0, 0, 0))
        return max(ns.max_index, 0)
    if cmd == SHM_INFO:
        segments = [s for i in range(ns.max_index + 1) if (s := ns.by_index(i)) is not None]
        copy_to_user(t.mm, buf, SHM_INFO_STRUCT.pack(len(segments), ns.total_pages,
                                                     sum(s.resident_pages for s in segments), 0, 0, 0))
        return max(ns.max_index, 0)
    if cmd in (SHM_STAT, SHM_STAT_ANY):
        found = ns.by_index(shmid % IPC_ID_SEQ)  # an index here, or an id's (ipc_obtain_object_idr)
        if found is None:
            raise Errno(EINVAL)
        if cmd == SHM_STAT and not found.permits(t.cred.euid, t.cred.egid, READ):
            raise Errno(EACCES)
        copy_to_user(t.mm, buf, _stat(t, found))
        return found.id
    if cmd == IPC_STAT:
        segment = ns.find(shmid)
        if not segment.permits(t.cred.euid, t.cred.egid, READ):
            raise Errno(EACCES)
        copy_to_user(t.mm, buf, _stat(t, segment))
        return 0
    if cmd == IPC_SET:
        fields = SHMID64_DS.unpack(copy_from_user(t.mm, buf, SHMID64_DS.size))  # before the lookup, as Linux
        segment = ns.find(shmid)
        _owner(t, segment)
        segment.perm.uid, segment.perm.gid = fields[1], fields[2]
        segment.perm.mode = (segment.perm.mode & ~0o777) | (fields[5] & 0o777)
        segment.ctime = int(time.time())
        return 0
    if cmd == IPC_RMID:
        segment = ns.find(shmid)
        _owner(t, segment)
        segment.ctime = int(time.time())
        ns.remove(segment)
        return 0
    if cmd in (SHM_LOCK, SHM_UNLOCK):
        segment = ns.find(shmid)
        _owner(t, segment)
        if cmd == SHM_LOCK:
            segment.perm.mode |= SHM_LOCKED  # nothing is ever swapped out here: the flag is all it changes
        else:
            segment.perm.mode &= ~SHM_LOCKED
        return 0
    raise Errno(EINVAL)
