"""/proc: the machine's processes and memory as text files, made when read (fs/proc).

`/proc/PID/` for every process, zombies included (stat, status, cmdline,
comm, maps, exe, cwd, fd/), `/proc/self` as a symlink to the reader's own,
and the machine-wide meminfo, uptime, loadavg and mounts. This is what ps,
free, df and uptime read, and what shows a learner a process's address
space and signal masks. Nothing here is stored: each read renders the
current state, as seq_file does, so files are 0 bytes long in stat.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.kernel_runtime.errnos import ENOENT, Errno
from syscalltbl.kernel_runtime.paging import PTE_P
from syscalltbl.kernel_runtime.signals import SIG_DFL, SIG_IGN
from syscalltbl.kernel_runtime.vfs import Directory, Inode, OpenFile, Symlink

if TYPE_CHECKING:
    from syscalltbl.kernel_runtime.machine import Machine
    from syscalltbl.kernel_runtime.process import Task

CLK_TCK: Final = 100  # USER_HZ: what times() and /proc count in
KIB: Final = 1024


class ProcLink(Symlink):
    """A symlink whose target is worked out when it is followed."""

    def __init__(self, target: Callable[[Task], bytes]) -> None:
        super().__init__(b"")
        self._dynamic = target

    def target(self, task: Task) -> bytes:
        return self._dynamic(task)


class ProcFile(Inode):
    """A read-only text file rendered at each read; its size says 0, as procfs files do."""

    def __init__(self, render: Callable[[], bytes], perm: int = 0o444) -> None:
        super().__init__(stat.S_IFREG | perm)
        self._render = render

    def seekable(self) -> bool:
        return True

    def read(self, f: OpenFile, count: int) -> bytes:
        out = self._render()[f.offset : f.offset + count]
        f.offset += len(out)
        return out


class ProcDirectory(Directory):
    """A directory whose entries are made on lookup; it takes no space."""

    def size(self) -> int:
        return 0

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {}

    def lookup(self, name: bytes, task: Task) -> Inode | None:
        return self.entries_for(task).get(name)

    def add(self, name: bytes, inode: Inode) -> Inode:
        raise Errno(ENOENT)  # procfs makes no files on request: creat, mkdir, symlink and link all fail so

    def listing(self, task: Task) -> list[tuple[bytes, Inode]]:
        return [(b".", self), (b"..", self.parent), *self.entries_for(task).items()]


class ProcFdDir(ProcDirectory):
    """/proc/PID/fd: one symlink per open descriptor of the process, to the path it was opened by."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o500)
        self.owner = owner

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {str(fd).encode(): _path_link(f) for fd, (f, _) in sorted(self.owner.files.fds.items())}


class ProcFdLink(ProcLink):
    """/proc/PID/fd/N: its mode shows how the file is open (proc_fd_link), its size is 64."""

    def __init__(self, f: OpenFile) -> None:
        super().__init__(lambda _task: f.path)
        self.mode = stat.S_IFLNK | (0o500 if f.readable() else 0) | (0o300 if f.writable() else 0)

    def size(self) -> int:
        return 64


def _path_link(f: OpenFile) -> ProcLink:
    return ProcFdLink(f)


class ProcPidDir(ProcDirectory):
    """/proc/PID, owned by the process's effective user, as ps reads it."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o555)
        self.owner = owner
        self.owned_by(owner.euid, owner.egid)

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        t = self.owner
        return {
            b"cmdline": ProcFile(lambda: t.cmdline),
            b"comm": ProcFile(lambda: t.comm + b"\n", 0o644),
            b"cwd": ProcLink(lambda _reader: t.machine.fs.path_of(t.cwd)),
            b"exe": ProcLink(lambda _reader: t.exe),
            b"fd": ProcFdDir(self, t),
            b"maps": ProcFile(lambda: render_maps(t)),
            b"stat": ProcFile(lambda: render_stat(t)),
            b"status": ProcFile(lambda: render_status(t)),
        }


class ProcRoot(ProcDirectory):
    """/proc itself: a directory per process, `self`, and the machine-wide files."""

    def __init__(self, parent: Directory, machine: Machine) -> None:
        super().__init__(parent, 0o555)
        self.machine = machine

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        machine = self.machine
        entries: dict[bytes, Inode] = {
            str(pid).encode(): ProcPidDir(self, t) for pid, t in sorted(machine.tasks.items())
        }
        entries[b"self"] = ProcLink(_own_pid)
        entries[b"loadavg"] = ProcFile(lambda: render_loadavg(machine))
        entries[b"meminfo"] = ProcFile(lambda: render_meminfo(machine))
        entries[b"mounts"] = ProcFile(lambda: MOUNTS)
        entries[b"uptime"] = ProcFile(lambda: render_uptime(machine))
        return entries


PROC_INODES: Final = (ProcLink, ProcFile, ProcDirectory)


def _own_pid(reader: Task | None) -> bytes:
    if reader is None:
        raise Errno(ENOENT)  # a lookup made for no process (the first program's, before it exists)
    return str(reader.pid).encode()

# One filesystem in memory (statfs says tmpfs), and this one over it.
MOUNTS: Final = b"tmpfs / tmpfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n"


def _state(t: Task) -> tuple[str, str]:
    """The task's state letter and name: running (or runnable), sleeping, or a zombie."""
    if t.status is not None:
        return "Z", "zombie"
    if t.sleep is not None and not t.sleep.ready():
        return "S", "sleeping"
    return "R", "running"


def _vm_size(t: Task) -> int:
    return sum(v.end - v.start for v in t.mm.vmas) if t.status is None else 0


def _resident_pages(t: Task) -> int:
    return sum(1 for _, entry in t.mm.user_leaves() if entry & PTE_P) if t.status is None else 0


def _ticks(seconds: float) -> int:
    return int(seconds * CLK_TCK)


def render_stat(t: Task) -> bytes:
    """/proc/PID/stat: proc_pid_stat's 52 fields, those this machine keeps filled in."""
    state, _ = _state(t)
    started = _ticks(t.start_time - t.machine.boot_time)
    fields = [
        t.pid, f"({t.comm.decode(errors='replace')})", state, t.ppid, t.pgid, t.sid,
        0, -1, 0x400000,  # no controlling tty, no foreground group; PF_FORKNOEXEC-style flags
        0, 0, 0, 0,  # minflt cminflt majflt cmajflt
        0, 0, 0, 0,  # utime stime cutime cstime: no cpu time is accounted
        20 + t.nice, t.nice, 1, 0, started, _vm_size(t), _resident_pages(t), (1 << 64) - 1,
        *([0] * 28),
    ]
    return " ".join(str(f) for f in fields).encode() + b"\n"


def _mask(bits: int) -> str:
    return f"{bits:016x}"


def render_status(t: Task) -> bytes:
    """/proc/PID/status: who it is, its memory and its signals, as a learner reads them."""
    state, name = _state(t)
    handlers = [a.handler for a in t.signals.actions]
    ignored = sum(1 << (sig - 1) for sig in range(1, len(handlers)) if handlers[sig] == SIG_IGN)
    caught = sum(1 << (sig - 1) for sig in range(1, len(handlers)) if handlers[sig] not in (SIG_DFL, SIG_IGN))
    lines = [
        f"Name:\t{t.comm.decode(errors='replace')}",
        f"Umask:\t{t.umask:04o}",
        f"State:\t{state} ({name})",
        f"Tgid:\t{t.pid}",
        f"Pid:\t{t.pid}",
        f"PPid:\t{t.ppid}",
        f"Uid:\t{t.uid}\t{t.euid}\t{t.euid}\t{t.euid}",
        f"Gid:\t{t.gid}\t{t.egid}\t{t.egid}\t{t.egid}",
        f"FDSize:\t{t.files.max_fds}",
        f"VmSize:\t{_vm_size(t) // KIB:8d} kB",
        f"VmRSS:\t{_resident_pages(t) * PAGE_SIZE // KIB:8d} kB",
        "Threads:\t1",
        f"SigPnd:\t{_mask(t.signals.pending)}",
        f"SigBlk:\t{_mask(t.signals.blocked)}",
        f"SigIgn:\t{_mask(ignored)}",
        f"SigCgt:\t{_mask(caught)}",
    ]
    return "\n".join(lines).encode() + b"\n"


def render_maps(t: Task) -> bytes:
    """/proc/PID/maps: one line per area, `start-end perms offset dev inode name`."""
    if t.status is not None:
        return b""
    out = []
    for v in t.mm.vmas:
        perms = ("r" if v.read else "-") + ("w" if v.write else "-") + ("x" if v.execute else "-") + "p"
        name = t.exe.decode(errors="replace") if v.name == "[exe]" else v.name
        line = f"{v.start:08x}-{v.end:08x} {perms} 00000000 00:00 0"
        out.append(f"{line:<72} {name}".rstrip() if name else line)
    return "".join(line + "\n" for line in out).encode()


def render_meminfo(machine: Machine) -> bytes:
    ram = machine.ram
    total = ram.size // KIB
    free = total - ram.frames_in_use * PAGE_SIZE // KIB
    rows = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free), ("Buffers", 0), ("Cached", 0),
            ("SwapCached", 0), ("Shmem", 0), ("SwapTotal", 0), ("SwapFree", 0)]
    return "".join(f"{name + ':':<16}{value:8d} kB\n" for name, value in rows).encode()


def uptime(machine: Machine) -> float:
    return time.monotonic() - machine.boot_time


def render_uptime(machine: Machine) -> bytes:
    up = uptime(machine)
    return f"{up:.2f} {up:.2f}\n".encode()  # one cpu: idle time is not kept, so it says the uptime


def render_loadavg(machine: Machine) -> bytes:
    running = sum(1 for t in machine.tasks.values() if _state(t)[0] == "R")
    return f"0.00 0.00 0.00 {running}/{len(machine.tasks)} {machine.last_pid}\n".encode()
