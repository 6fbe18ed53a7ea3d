"""/proc: the machine's processes and memory as text files, made when read (fs/proc).

`/proc/PID/` for every process, zombies included (stat, status, cmdline,
comm, maps, exe, cwd, fd/, and task/TID/ for each of its threads, with
their own stat, status and comm), `/proc/self` as a symlink to the
reader's own process and `/proc/thread-self` to its thread's directory,
and the machine-wide meminfo, uptime, loadavg and mounts. This is what ps,
free, df and uptime read, and what shows a learner a process's address
space and signal masks. Nothing here is stored: each read renders the
current state, as seq_file does, so files are 0 bytes long in stat.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_P
from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.kernel.cpuinfo import render_cpuinfo
from syscalltbl.machine.kernel.keys import render_key_users
from syscalltbl.machine.kernel.locks import describe as describe_locks
from syscalltbl.machine.kernel.mountinfo import (
    MountTableFile,
    render_filesystems,
    render_mountinfo,
    render_mounts,
)
from syscalltbl.machine.kernel.nsfs import ProcNsDir
from syscalltbl.machine.kernel.pidns import PidNamespace, ns_last_pid, pid_nr_ns, pid_numbers
from syscalltbl.machine.kernel.procfdinfo import ProcFdInfoDir
from syscalltbl.machine.kernel.procfile import ProcDirectory, ProcFile, ProcLink
from syscalltbl.machine.kernel.procmap_query import MapsFile
from syscalltbl.machine.kernel.procmem import PagemapFile, render_smaps, status_memory
from syscalltbl.machine.kernel.procsys import SysctlDir, proc_sys
from syscalltbl.machine.kernel.procsys_net import net_dir
from syscalltbl.machine.kernel.procsysvipc import proc_sysvipc
from syscalltbl.machine.kernel.signals import SigAction
from syscalltbl.machine.kernel.timens import TimensOffsets
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.userns_proc import IdMapFile, SetgroupsFile
from syscalltbl.machine.kernel.vfs import FS_DEV, Directory, Inode, OpenFile, Regular, Symlink
from syscalltbl.machine.uapi.capability import CAP_SYS_NICE
from syscalltbl.machine.uapi.errno import EINVAL, EIO, ENOENT, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.signal import SIG_DFL, SIG_IGN
from syscalltbl.machine.uapi.time import CLK_TCK, CLOCK_BOOTTIME, CLOCK_MONOTONIC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mount import MountNamespace
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

KIB: Final = 1024




def render_version(uts: tuple[bytes, bytes, bytes, bytes, bytes, bytes]) -> bytes:
    """/proc/version: linux_proc_banner, of uname's system name, release and version."""
    sysname, _node, release, version, _machine, _domain = uts
    return b"%s version %s (syscalltbl@syscalltbl) (python) %s\n" % (sysname, release, version)


class ProcFdDir(ProcDirectory):
    """/proc/PID/fd: one symlink per open descriptor of the process, to the path it was opened by."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o500)
        self.owner = owner

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        if self.owner.status is not None:
            return {}  # a zombie's files are closed
        return {str(fd).encode(): ProcFdLink(f) for fd, (f, _) in sorted(self.owner.files.fds.items())}


class ProcFdLink(ProcLink):
    """/proc/PID/fd/N: its mode shows how the file is open (proc_fd_link), its size is 64."""

    def __init__(self, f: OpenFile) -> None:
        super().__init__(lambda _task: f.path)
        self.mode = stat.S_IFLNK | (0o500 if f.readable() else 0) | (0o300 if f.writable() else 0)
        self.file = f

    def jump(self, task: Task) -> Inode | None:
        """A file or directory itself, named or not (an O_TMPFILE file's link, a removed file's), or the link an
        O_PATH|O_NOFOLLOW open holds (nd_jump_link to it: not followed further); a pipe by its path."""
        inode = self.file.inode
        return inode if isinstance(inode, Regular | Directory | Symlink) else None

    def size(self) -> int:
        return 64


class _TaskDir(ProcDirectory):
    """A directory of one task's files, owned by its effective user; ESRCH once the task is reaped."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o555)
        self.owner = owner
        self.owned_by(owner.cred.euid, owner.cred.egid)
        self.pid_ns = _pid_ns_of(parent, owner)  # the pid namespace this /proc shows (its numbers)

    def _alive(self) -> Task:
        t = self.owner
        if t.machine.tasks.get(t.tid) is not t:
            raise Errno(ESRCH)
        return t

    def lookup(self, name: bytes, task: Task) -> Inode | None:
        self._alive()
        return super().lookup(name, task)

    def _mount_ns(self) -> MountNamespace:
        t = self._alive()
        return t.machine.fs.namespace(t)


class ProcPidDir(_TaskDir):
    """/proc/PID, owned by the process's effective user, as ps reads it.

    Once the process is reaped, what is left open of it answers ESRCH; a
    zombie keeps its stat and status, but no memory, files or directories.
    """

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        t = self.owner
        return {
            b"cmdline": ProcFile(lambda: render_cmdline(self._alive())),
            b"comm": ProcFile(lambda: self._alive().comm + b"\n", lambda data, writer: _set_comm(t, data, writer)),
            b"cwd": ProcLink(lambda _reader: t.machine.fs.path_of(_living(self._alive()).fs.cwd)),
            b"exe": ProcLink(lambda _reader: _living(self._alive()).exe),
            b"fd": ProcFdDir(self, t),
            b"fdinfo": ProcFdInfoDir(self, t),
            b"maps": MapsFile(lambda: render_maps(self._alive()), self._alive),
            b"coredump_filter": ProcFile(lambda: b"%08x\n" % _living(self._alive()).mm.dump_filter,
                                         lambda data, _writer: _set_dump_filter(self._alive(), data)
                                         ).owned_by(t.cred.euid, t.cred.egid),
            b"mountinfo": MountTableFile(lambda: render_mountinfo(self._alive()), self._mount_ns),
            b"mounts": MountTableFile(lambda: render_mounts(self._alive()), self._mount_ns),
            b"ns": ProcNsDir(self, t),
            b"pagemap": PagemapFile(t).owned_by(t.cred.euid, t.cred.egid),
            b"smaps": ProcFile(lambda: render_smaps(self._alive(), render_maps(self._alive()))),
            b"stat": ProcFile(lambda: render_stat(self._alive(), self.pid_ns)),
            b"status": ProcFile(lambda: render_status(self._alive(), self.pid_ns)),
            b"task": ProcTaskDir(self, t),
            b"timens_offsets": TimensOffsets(self._alive, _clock_readings),
            b"uid_map": IdMapFile(self._alive, uids=True),
            b"gid_map": IdMapFile(self._alive, uids=False),
            b"setgroups": SetgroupsFile(self._alive),
            b"timerslack_ns": ProcFile(lambda: b"%d\n" % self._alive().timer_slack_ns,
                                       lambda data, writer: _set_timer_slack(self._alive(), data, writer)),
        }

    def name_of(self, child: Inode) -> bytes | None:
        if isinstance(child, ProcFdDir):
            return b"fd"
        if isinstance(child, ProcNsDir):
            return b"ns"
        if isinstance(child, ProcFdInfoDir):
            return b"fdinfo"
        return b"task" if isinstance(child, ProcTaskDir) else None


class ProcTaskDir(ProcDirectory):
    """/proc/PID/task: a directory per thread of the process, named by its tid (a zombie's: its leader's)."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o555)
        self.owner = owner
        self.pid_ns = _pid_ns_of(parent, owner)

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        group = self.owner.group
        ns = self.pid_ns
        live = [(nr, x) for x in {group.leader, *group.threads}
                if x.machine.tasks.get(x.tid) is x and (nr := pid_nr_ns(x.tid, ns))]
        return {str(nr).encode(): ProcTidDir(self, x) for nr, x in sorted(live, key=lambda item: item[0])}

    def name_of(self, child: Inode) -> bytes | None:
        return str(pid_nr_ns(child.owner.tid, self.pid_ns)).encode() if isinstance(child, ProcTidDir) else None


class ProcTidDir(_TaskDir):
    """/proc/PID/task/TID: one thread's own view, its stat, status and comm."""

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        t = self.owner
        return {
            b"comm": ProcFile(lambda: self._alive().comm + b"\n", lambda data, writer: _set_comm(t, data, writer)),
            b"stat": ProcFile(lambda: render_stat(self._alive(), self.pid_ns)),
            b"status": ProcFile(lambda: render_status(self._alive(), self.pid_ns)),
        }


def _living(t: Task) -> Task:
    """A process that has not exited: a zombie's exe and cwd links lead nowhere."""
    if t.status is not None:
        raise Errno(ENOENT)
    return t


def _set_timer_slack(t: Task, data: bytes, writer: Task) -> None:
    """timerslack_ns_write: a number of ns (0: the default); another process's only with CAP_SYS_NICE."""
    try:
        value = int(data.strip(), 10)
    except ValueError:
        raise Errno(EINVAL) from None
    if not 0 <= value < 1 << 64:
        raise Errno(EINVAL)
    if writer.group is not t.group and not writer.cred.capable(CAP_SYS_NICE):
        raise Errno(EPERM)
    t.timer_slack_ns = value or t.default_timer_slack_ns


def _set_comm(t: Task, data: bytes, writer: Task) -> None:
    """comm_write: only a process's own thread group may rename it; the name is cut to 15 bytes."""
    if writer.group is not t.group:
        raise Errno(EINVAL)
    t.comm = data[:15].split(b"\0", 1)[0]


class ProcRoot(ProcDirectory):
    """/proc itself: a directory per process, `self`, and the machine-wide files. It shows the processes of
    the pid namespace its mounter was in (proc_fill_super), by their numbers there."""

    def __init__(self, parent: Directory, machine: Machine, pid_ns: PidNamespace | None = None) -> None:
        super().__init__(parent, 0o555)
        self.machine = machine
        self._pid_ns = pid_ns  # None: the first namespace (the boot /proc, made before the machine's namespaces)

    @property
    def pid_ns(self) -> PidNamespace:
        return self._pid_ns if self._pid_ns is not None else self.machine.init_nsproxy.pid_for_children

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        machine = self.machine
        # Processes are listed; a thread's own tid is not, but looking it up works (as on Linux).
        ns = self.pid_ns
        shown = sorted((nr, t) for tid, t in machine.tasks.items() if t.is_leader and (nr := pid_nr_ns(tid, ns)))
        entries: dict[bytes, Inode] = {str(nr).encode(): ProcPidDir(self, t) for nr, t in shown}
        entries[b"self"] = ProcLink(lambda reader: _own_pid(reader, ns))
        entries[b"thread-self"] = ProcLink(lambda reader: _own_tid(reader, ns))
        entries[b"loadavg"] = ProcFile(lambda: render_loadavg(machine), refuse=EIO)
        entries[b"locks"] = ProcFile(lambda: describe_locks(machine.file_locks, FS_DEV), refuse=EIO)
        entries[b"meminfo"] = ProcFile(lambda: render_meminfo(machine), refuse=EIO)
        entries[b"mounts"] = ProcLink(lambda _reader: b"self/mounts")
        entries[b"filesystems"] = ProcFile(render_filesystems, refuse=EIO)
        entries[b"uptime"] = ProcFile(lambda: render_uptime(task.nsproxy.time.offset_ns(CLOCK_BOOTTIME)),
                                      refuse=EIO)
        entries[b"cpuinfo"] = ProcFile(render_cpuinfo, refuse=EIO)
        entries[b"config.gz"] = ProcFile(lambda: _config_gz(machine), refuse=EIO)
        entries[b"key-users"] = ProcFile(lambda: render_key_users(machine), refuse=EIO)
        entries[b"sys"] = proc_sys(self, machine.sysctl, lambda: {b"ns_last_pid": ns_last_pid(machine, task)},
                                   machine.ucounts, lambda d: net_dir(d, lambda task: task.nsproxy.net.ipv4))
        entries[b"sysvipc"] = proc_sysvipc(self)
        entries[b"version"] = ProcFile(lambda: render_version(task.nsproxy.uts.utsname()), refuse=EIO)
        return entries

    def lookup(self, name: bytes, task: Task) -> Inode | None:
        found = super().lookup(name, task)
        if found is None and name.isdigit():
            nr = int(name)
            ns = self.pid_ns
            thread = self.machine.tasks.get(nr if ns.level == 0 else ns.numbers.get(nr, 0))
            if thread is not None and str(pid_nr_ns(thread.tid, ns)).encode() == name:
                return ProcPidDir(self, thread)
        return found

    def name_of(self, child: Inode) -> bytes | None:
        if isinstance(child, SysctlDir):
            return child.name
        return str(pid_nr_ns(child.owner.tid, self.pid_ns)).encode() if isinstance(child, ProcPidDir) else None


PROC_INODES: Final = (ProcLink, ProcFile, ProcDirectory)


def _config_gz(machine: Machine) -> bytes:
    """/proc/config.gz, its options' module imported by its first read."""
    from syscalltbl.machine.kernel.kconfig import render_config_gz

    return render_config_gz(machine)


def _pid_ns_of(parent: Directory, owner: Task) -> PidNamespace:
    """The pid namespace of the /proc a directory is in (its superblock's, proc_pid_ns)."""
    ns = getattr(parent, "pid_ns", None)
    return ns if isinstance(ns, PidNamespace) else owner.machine.init_nsproxy.pid_for_children


def _own_pid(reader: Task | None, ns: PidNamespace) -> bytes:
    """proc_self_get_link: the reader's pid in this /proc's namespace; ENOENT for a reader outside it."""
    pid = pid_nr_ns(reader.pid, ns) if reader is not None else 0
    if not pid:
        raise Errno(ENOENT)  # a lookup made for no process (the first program's, before it exists)
    return str(pid).encode()


def _own_tid(reader: Task | None, ns: PidNamespace) -> bytes:
    if reader is None or not (tid := pid_nr_ns(reader.tid, ns)):
        raise Errno(ENOENT)
    return f"{pid_nr_ns(reader.pid, ns)}/task/{tid}".encode()


def _threads(t: Task) -> int:
    """num_threads: the process's threads not yet released, its zombie leader included."""
    group = t.group
    return len(group.threads) + (group.leader.status is not None)



def _state(t: Task) -> tuple[str, str]:
    """The task's state letter and name: running (or runnable), sleeping, stopped, or a zombie."""
    if t.status is not None:
        return "Z", "zombie"
    if t.stopped:
        return ("t", "tracing stop") if t.traced_stop else ("T", "stopped")
    # A sleeper a signal is pending for is woken by it (signal_wake_up): runnable, as the scheduler sees it.
    if t.sleep is not None and not t.sleep.ready() and not (t.sigpending and t.sleep.restart):
        return "S", "sleeping"
    return "R", "running"


def _vm_size(t: Task) -> int:
    return sum(v.end - v.start for v in t.mm.vmas) if t.status is None else 0


def _resident_pages(t: Task) -> int:
    return sum(1 for _, entry in t.mm.user_leaves() if entry & PTE_P) if t.status is None else 0


def _ticks(seconds: float) -> int:
    """Clock ticks since boot, from a CLOCK_BOOTTIME reading."""
    return int(seconds * CLK_TCK)


def render_stat(t: Task, ns: PidNamespace) -> bytes:
    """/proc/PID/stat: proc_pid_stat's 52 fields, those this machine keeps filled in; the ids as `ns`, the
    namespace of the /proc read, numbers them."""
    state, _ = _state(t)
    sig = t.signals
    ignored, caught = _dispositions(t.sighand.actions)
    exited = t.status is not None
    start_brk = 0 if exited else t.mm.start_brk
    code = 0 if t.status is None else (t.status.signal or 0) | (t.status.code or 0) << 8
    fields = [
        pid_nr_ns(t.tid, ns), f"({t.comm.decode(errors='replace')})", state, pid_nr_ns(t.ppid, ns),
        pid_nr_ns(t.pgid, ns), pid_nr_ns(t.sid, ns),
        0, -1, 0x400000,  # no controlling tty, no foreground group, flags
        *_faults_and_times(t),  # minflt cminflt majflt cmajflt utime stime cutime cstime
        20 + t.nice, t.nice, _threads(t), 0, _ticks(t.start_time), _vm_size(t), _resident_pages(t), (1 << 64) - 1,
        0, 0, 0, 0, 0,  # startcode endcode startstack kstkesp kstkeip
        sig.pending, sig.blocked, ignored, caught,
        0, 0, 0, t.exit_signal, 0, 0, 0, 0, 0, 0,  # wchan nswap cnswap exit_signal ... cguest_time
        0, 0, start_brk, 0, 0, 0, 0, code,  # start_data end_data start_brk arg/env ranges exit_code
    ]
    return " ".join(str(f) for f in fields).encode() + b"\n"


def _faults_and_times(t: Task) -> list[int]:
    """The process's page faults and cpu times, its reaped children's, in clock ticks (kernel/cputime.py)."""
    own, children = cputime.group_usage(t.group), t.group.times.children
    tick = 10**9 // CLK_TCK
    return [own.minflt, children.minflt, 0, 0, own.utime // tick, own.stime // tick, children.utime // tick,
            children.stime // tick]


def _dispositions(actions: Sequence[SigAction]) -> tuple[int, int]:
    """The ignored and the caught signals, as masks with bit N-1 for signal N."""
    ignored = sum(1 << (n - 1) for n in range(1, len(actions)) if actions[n].handler == SIG_IGN)
    caught = sum(1 << (n - 1) for n in range(1, len(actions)) if actions[n].handler not in (SIG_DFL, SIG_IGN))
    return ignored, caught


def render_cmdline(t: Task) -> bytes:
    """The argument strings, read from the process's memory as it now holds them; a zombie's is empty."""
    if t.status is not None or t.arg_end <= t.arg_start:
        return b""
    try:
        return copy_from_user(t.mm, t.arg_start, t.arg_end - t.arg_start)
    except Errno:
        return b""


def _mask(bits: int) -> str:
    return f"{bits:016x}"


def _ns_line(name: str, global_pid: int, ns: PidNamespace) -> str:
    return "\t".join([f"{name}:", *map(str, pid_numbers(global_pid, ns))])


def render_status(t: Task, ns: PidNamespace) -> bytes:
    """/proc/PID/status: who it is, its memory and its signals, as a learner reads them; the ids as `ns`,
    the namespace of the /proc read, numbers them, and the NS* lines each level's number from there down."""
    state, name = _state(t)
    ignored, caught = _dispositions(t.sighand.actions)
    c = t.cred
    lines = [
        f"Name:\t{t.comm.decode(errors='replace')}",
        f"Umask:\t{t.fs.umask:04o}",
        f"State:\t{state} ({name})",
        f"Tgid:\t{pid_nr_ns(t.pid, ns)}",
        f"Pid:\t{pid_nr_ns(t.tid, ns)}",
        f"PPid:\t{pid_nr_ns(t.ppid, ns)}",
        f"TracerPid:\t{pid_nr_ns(t.tracer.pid, ns) if t.tracer is not None else 0}",
        f"Uid:\t{c.uid}\t{c.euid}\t{c.suid}\t{c.fsuid}",  # real, effective, saved, filesystem
        f"Gid:\t{c.gid}\t{c.egid}\t{c.sgid}\t{c.fsgid}",
        f"FDSize:\t{t.files.max_fds}",
        f"Groups:\t{' '.join(map(str, c.groups.gids))} ",
        _ns_line("NStgid", t.pid, ns),
        _ns_line("NSpid", t.tid, ns),
        _ns_line("NSpgid", t.pgid, ns),
        _ns_line("NSsid", t.sid, ns),
        *status_memory(t),
        f"Threads:\t{_threads(t)}",
        f"SigPnd:\t{_mask(t.signals.pending)}",
        f"ShdPnd:\t{_mask(t.group.shared.pending)}",
        f"SigBlk:\t{_mask(t.signals.blocked)}",
        f"SigIgn:\t{_mask(ignored)}",
        f"SigCgt:\t{_mask(caught)}",
        f"CapInh:\t{_mask(c.cap_inheritable)}",
        f"CapPrm:\t{_mask(c.cap_permitted)}",
        f"CapEff:\t{_mask(c.cap_effective)}",
        f"CapBnd:\t{_mask(c.cap_bset)}",
        f"CapAmb:\t{_mask(c.cap_ambient)}",
        f"NoNewPrivs:\t{int(t.no_new_privs)}",
        f"Seccomp:\t{t.seccomp_mode}",
        f"Seccomp_filters:\t{len(t.seccomp_filter.chain()) if t.seccomp_filter is not None else 0}",
    ]
    return "\n".join(lines).encode() + b"\n"


def _set_dump_filter(t: Task, data: bytes) -> None:
    """proc_coredump_filter_write: a number (kstrtouint, base 0) whose low MMF_DUMP_FILTER_BITS bits are the filter."""
    try:
        value = int(data.strip(), 0)
    except ValueError:
        raise Errno(EINVAL) from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise Errno(EINVAL)
    if t.status is not None:
        raise Errno(ESRCH)
    from syscalltbl.machine.kernel.coredump import DUMP_FILTER_BITS  # here: a run that dumps no core need not import it

    t.mm.dump_filter = value & ((1 << DUMP_FILTER_BITS) - 1)


def render_maps(t: Task) -> bytes:
    """/proc/PID/maps: one line per area, `start-end perms offset dev inode name`."""
    if t.status is not None:
        return b""
    out = []
    for v in t.mm.vmas:
        perms = ("r" if v.read else "-") + ("w" if v.write else "-") + ("x" if v.execute else "-")
        perms += "s" if v.shared else "p"
        name = v.name
        # A mapped file shows where in it the area starts and its inode (anonymous memory: zeros).
        offset, ino = (v.pgoff * PAGE_SIZE, v.backing.ino) if isinstance(v.backing, Regular) else (0, 0)
        line = f"{v.start:08x}-{v.end:08x} {perms} {offset:08x} 00:00 {ino}"
        out.append(f"{line:<72} {name}".rstrip() if name else line)
    return "".join(line + "\n" for line in out).encode()


def render_meminfo(machine: Machine) -> bytes:
    ram = machine.ram
    total, free = ram.size // KIB, ram.free_bytes // KIB
    rows = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free), ("Buffers", 0), ("Cached", 0),
            ("SwapCached", 0), ("Shmem", 0), ("SwapTotal", 0), ("SwapFree", 0)]
    return "".join(f"{name + ':':<16}{value:8d} kB\n" for name, value in rows).encode()


def _clock_readings() -> dict[int, int]:
    """The two clocks a time namespace moves, as the machine reads them now."""
    return {CLOCK_MONOTONIC: time.monotonic_ns(), CLOCK_BOOTTIME: boottime_ns()}


def boottime_ns() -> int:
    """The guest's CLOCK_BOOTTIME: the host's monotonic clock (nothing here suspends)."""
    return time.monotonic_ns()


def uptime(boottime_offset: int = 0) -> float:
    """Seconds since boot, by the guest's own CLOCK_BOOTTIME, moved by a time namespace's offset (ns)."""
    return (boottime_ns() + boottime_offset) / 1e9


def render_uptime(boottime_offset: int) -> bytes:
    up = uptime(boottime_offset)
    return f"{up:.2f} {up:.2f}\n".encode()  # one cpu: idle time is not kept, so it says the uptime


def render_loadavg(machine: Machine) -> bytes:
    running = sum(1 for t in machine.tasks.values() if _state(t)[0] == "R")
    return f"0.00 0.00 0.00 {running}/{len(machine.tasks)} {machine.last_pid}\n".encode()  # threads count, as there
