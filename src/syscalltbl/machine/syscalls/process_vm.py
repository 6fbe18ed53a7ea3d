"""process_vm_readv and process_vm_writev (mm/process_vm_access.c): copy between two processes' memory.

The local buffers are imported as readv's are (UIO_MAXIOV, a negative length
is EINVAL, each must pass access_ok); the remote ones are only read, not
checked, since they name another address space. The target must be one
the caller may ptrace-attach to (EPERM otherwise). The copy walks the
remote buffers in order and stops at the first fault on either side: the
bytes moved before it are the result, and a fault before any byte is EFAULT.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access
from syscalltbl.machine.kernel.secretmem import is_secret
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user, user_extent
from syscalltbl.machine.syscalls.fs import _iovecs, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.misc import UIO_MAXIOV
from syscalltbl.machine.uapi.structs import IOVEC

#: The most one step copies: a guest's 2 GiB request costs a bounded host buffer at a time.
CHUNK = 1 << 20


def _remote_iovecs(t: Task, rvec: int, count: int) -> list[tuple[int, int]]:
    """iovec_from_user: the array is read and its lengths checked, its addresses are not."""
    if count > UIO_MAXIOV:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, rvec, IOVEC.size * count)
    vecs = [IOVEC.unpack_from(raw, i * IOVEC.size) for i in range(count)]
    if any(n >> 63 for _, n in vecs):
        raise Errno(EINVAL)
    return vecs


def _target(t: Task, pid: int) -> Task:
    """find_get_task_by_vpid then mm_access(PTRACE_MODE_ATTACH_REALCREDS), EACCES told as EPERM."""
    pid = s32(pid)
    target = find_task_vpid(t, pid)
    if target is None or target.status is not None:
        raise Errno(ESRCH)  # no such task, or one whose mm is gone
    if target.mm is not t.mm and not ptrace_may_access(t, target):
        raise Errno(EPERM)
    return target


def _pinnable(target: Task, addr: int, length: int) -> int:
    """How much of [addr, addr + length) get_user_pages would pin: up to the first memfd_secret area."""
    secret = next((v for v in target.mm.vmas_in(addr, addr + length) if is_secret(v)), None)
    return length if secret is None else max(secret.start - addr, 0)


def _copy(t: Task, target: Task, local: list[tuple[int, int]], remote: list[tuple[int, int]], write: bool) -> int:
    """Move bytes between the local and remote buffers in order; the count moved, or EFAULT if none was."""
    done = 0
    at = 0  # the local buffer being filled or drained, and how far into it
    offset = 0
    for raddr, rlen in remote:
        while rlen:
            while at < len(local) and offset == local[at][1]:
                at, offset = at + 1, 0
            if at == len(local):
                return done  # the local buffers are full (or spent)
            laddr = local[at][0] + offset
            n = min(rlen, local[at][1] - offset, CHUNK)
            # The remote pages must be there to pin, the local ones to copy into or from.
            can = user_extent(target.mm, raddr, n, write=write) if access_ok(raddr, n) else 0
            can = _pinnable(target, raddr, can)
            can = min(can, user_extent(t.mm, laddr, can, write=not write))
            if can:
                if write:
                    copy_to_user(target.mm, raddr, copy_from_user(t.mm, laddr, can))
                else:
                    copy_to_user(t.mm, laddr, copy_from_user(target.mm, raddr, can))
                done += can
                offset += can
                raddr += can
                rlen -= can
            if can < n:
                if done:
                    return done
                raise Errno(EFAULT)
    return done


def do_process_vm_rw(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int, flags: int,
                     write: bool) -> int:
    if flags:
        raise Errno(EINVAL)  # none is defined
    local = _iovecs(t, lvec, liovcnt)
    if not sum(n for _, n in local):
        return 0
    remote = _remote_iovecs(t, rvec, riovcnt)
    if not any(n for _, n in remote):
        return 0  # no remote page to copy: the target is not even looked up
    return _copy(t, _target(t, pid), local, remote, write)


@syscall("sys_process_vm_readv")
def sys_process_vm_readv(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int, flags: int) -> int:
    return do_process_vm_rw(t, pid, lvec, liovcnt, rvec, riovcnt, flags, write=False)


@syscall("sys_process_vm_writev")
def sys_process_vm_writev(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int, flags: int) -> int:
    return do_process_vm_rw(t, pid, lvec, liovcnt, rvec, riovcnt, flags, write=True)
