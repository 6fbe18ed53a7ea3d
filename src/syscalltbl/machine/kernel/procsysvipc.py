"""/proc/sysvipc/{msg,sem,shm}: one line per message queue, semaphore set and shared memory segment.

The columns and widths of ipc/msg.c, ipc/sem.c and ipc/shm.c's *_proc_show, ordered by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.procsys import SysctlDir
from syscalltbl.machine.kernel.vfs import Directory, Inode
from syscalltbl.machine.uapi.errno import EIO

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.nsproxy import IpcNamespace
    from syscalltbl.machine.kernel.process import Task

MSG_HEADER = (b"       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
              b"      stime      rtime      ctime\n")
SEM_HEADER = b"       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
SHM_HEADER = (b"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
              b"      atime      dtime      ctime                   rss                  swap\n")


def render_msg(ipc: IpcNamespace) -> bytes:
    rows = [MSG_HEADER]
    for _, q in sorted(ipc.msg.objects.items()):
        p = q.perm
        rows.append(b"%10d %10d  %4o  %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d\n" % (
            p.key, q.id, p.mode, q.cbytes, len(q.messages), q.lspid, q.lrpid, p.uid, p.gid, p.cuid, p.cgid,
            q.stime, q.rtime, q.ctime))
    return b"".join(rows)


def render_sem(ipc: IpcNamespace) -> bytes:
    rows = [SEM_HEADER]
    for _, s in sorted(ipc.sem.objects.items()):
        p = s.perm
        rows.append(b"%10d %10d  %4o %10d %5d %5d %5d %5d %10d %10d\n" % (
            p.key, s.id, p.mode, s.nsems, p.uid, p.gid, p.cuid, p.cgid, s.otime, s.ctime))
    return b"".join(rows)


def render_shm(ipc: IpcNamespace) -> bytes:
    ns = ipc.shm
    rows = [SHM_HEADER]
    for index in range(ns.max_index + 1):
        g = ns.by_index(index)
        if g is None:
            continue
        p = g.perm
        rows.append(b"%10d %10d  %4o %21d %5d %5d  %5d %5d %5d %5d %5d %10d %10d %10d %21d %21d\n" % (
            p.key, g.id, p.mode, g.size, g.cpid, g.lpid, g.nattch, p.uid, p.gid, p.cuid, p.cgid,
            g.atime, g.dtime, g.ctime, g.resident_pages * PAGE_SIZE, 0))
    return b"".join(rows)


def proc_sysvipc(parent: Directory) -> SysctlDir:
    """The objects of the IPC namespace of the task that looks the files up (ipc_proc_open: current's)."""

    def files(_d: SysctlDir, task: Task) -> dict[bytes, Inode]:
        ipc = task.nsproxy.ipc
        return {
            b"msg": ProcFile(lambda: render_msg(ipc), refuse=EIO),
            b"sem": ProcFile(lambda: render_sem(ipc), refuse=EIO),
            b"shm": ProcFile(lambda: render_shm(ipc), refuse=EIO),
        }

    return SysctlDir(parent, b"sysvipc", files)
