"""/proc/sysvipc/{msg,sem,shm}: one line per message queue, semaphore set and shared memory segment.

The columns and widths of ipc/msg.c, ipc/sem.c and ipc/shm.c's *_proc_show, ordered by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.msg import message_queues
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.procsys import SysctlDir
from syscalltbl.machine.kernel.sem import semaphores
from syscalltbl.machine.kernel.vfs import Directory, Inode
from syscalltbl.machine.uapi.errno import EIO

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

MSG_HEADER = (b"       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
              b"      stime      rtime      ctime\n")
SEM_HEADER = b"       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
SHM_HEADER = (b"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
              b"      atime      dtime      ctime                   rss                  swap\n")


def render_msg(machine: Machine) -> bytes:
    rows = [MSG_HEADER]
    for _, q in sorted(message_queues(machine).objects.items()):
        p = q.perm
        rows.append(b"%10d %10d  %4o  %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d\n" % (
            p.key, q.id, p.mode, q.cbytes, len(q.messages), q.lspid, q.lrpid, p.uid, p.gid, p.cuid, p.cgid,
            q.stime, q.rtime, q.ctime))
    return b"".join(rows)


def render_sem(machine: Machine) -> bytes:
    rows = [SEM_HEADER]
    for _, s in sorted(semaphores(machine).objects.items()):
        p = s.perm
        rows.append(b"%10d %10d  %4o %10d %5d %5d %5d %5d %10d %10d\n" % (
            p.key, s.id, p.mode, s.nsems, p.uid, p.gid, p.cuid, p.cgid, s.otime, s.ctime))
    return b"".join(rows)


def render_shm(machine: Machine) -> bytes:
    ns = machine.shm
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


def proc_sysvipc(parent: Directory, machine: Machine) -> SysctlDir:
    def files(_d: SysctlDir) -> dict[bytes, Inode]:
        return {
            b"msg": ProcFile(lambda: render_msg(machine), refuse=EIO),
            b"sem": ProcFile(lambda: render_sem(machine), refuse=EIO),
            b"shm": ProcFile(lambda: render_shm(machine), refuse=EIO),
        }

    return SysctlDir(parent, b"sysvipc", files)
