"""strace-style lines for `syscalltbl run --trace`, decoded from the prototypes.

    openat(AT_FDCWD, "/etc/motd", O_RDONLY) = 3
    read(3, "welcome\\n", 4096) = 8
    openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)

The tracer wraps each handler once, when the dispatch tuple is bound; an
untraced machine runs no tracing code at all. Flags print as names (open,
mmap and clone flags, AT_FDCWD), the structures a call fills in print as
strace summarises them (`{st_mode=S_IFREG|0644, st_size=3, ...}`), and
calls that the runtime makes for itself (tracehooks.py) are left out.
With `-e trace=SET` (a SyscallSet of names and %classes, classes.toml) only
the calls in SET are shown; signals and exits always are, as under strace.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Mapping
from typing import TextIO

from syscalltbl.machine import uapi
from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.kernel.pid1 import runs_init
from syscalltbl.machine.kernel.process import ExitStatus, Task
from syscalltbl.machine.kernel.tracehooks import is_internal
from syscalltbl.machine.kernel.uaccess import copy_from_user, strncpy_from_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import Handler
from syscalltbl.machine.tools.credtrace import CRED_ARGUMENTS, READ_BEFORE
from syscalltbl.machine.tools.filetrace import FILE_ARGUMENTS
from syscalltbl.machine.tools.formats import (
    ARGUMENTS,
    EPOLL_EVENTS,
    FILE_TYPES,
    SA_FLAGS,
    STATX_ATTRS,
    Reader,
    bits,
    clone_flags,
    printflags,
    scalar_format,
    signal_name,
    signed,
    statx_mask,
)
from syscalltbl.machine.tools.keytrace import KEY_ARGUMENTS
from syscalltbl.machine.tools.locktrace import LOCK_ARGUMENTS
from syscalltbl.machine.tools.misctrace import MISC_ARGUMENTS, MISC_RESULTS
from syscalltbl.machine.tools.mounttrace import MOUNT_ARGUMENTS
from syscalltbl.machine.tools.sockettrace import SOCKET_ARGUMENTS, Snapshot, snapshot
from syscalltbl.machine.tools.strings import STRING_LIMIT, quote
from syscalltbl.machine.tools.timertrace import TIMER_ARGUMENTS, clock_t, rusage, timer_siginfo
from syscalltbl.machine.tools.utstrace import UTS_ARGUMENTS
from syscalltbl.machine.tools.xattrtrace import XATTR_ARGUMENTS
from syscalltbl.machine.uapi import errno, misc, mman, sched, signal
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.eventpoll import EPOLL_EVENT
from syscalltbl.machine.uapi.signal import FAULT_SIGNALS
from syscalltbl.machine.uapi.statx import STATX
from syscalltbl.machine.uapi.structs import STAT, TIMESPEC
from syscalltbl.machine.uapi.timerfd import ITIMERSPEC
from syscalltbl.machine.uapi.timers import SI_TIMER
from syscalltbl.tables.classes import SyscallSet, classes_of
from syscalltbl.tables.prototype_model import Param, Prototype

ADDRESS_RESULTS = frozenset({"sys_mmap", "sys_brk", "sys_mremap", "sys_shmat"})
EPOLL_EVENTS_SHOWN = 4  # strace abbreviates longer arrays with `...`
ERRNO_NAMES = uapi.names(errno, "E")


def _mode(mode: int) -> str:
    kind = FILE_TYPES.get(mode & misc.S_IFMT)
    perms = f"0{mode & 0o7777:o}" if mode & 0o7777 else "0"
    return f"{kind}|{perms}" if kind else perms


def _struct(t: Task, kind: str, value: int, ret: int) -> str | None:
    """A summary of the structure at `value`, or None to print the address."""
    mm = t.mm
    if kind == "struct stat __user *" and ret == 0:
        _dev, _ino, _nlink, mode, _uid, _gid, rdev, size, *_times = STAT.unpack(copy_from_user(mm, value, STAT.size))
        if mode & 0o170000 in (0o20000, 0o60000):
            return f"{{st_mode={_mode(mode)}, st_rdev=makedev({rdev >> 8 & 0xFFF:#x}, {rdev & 0xFF:#x}), ...}}"
        return f"{{st_mode={_mode(mode)}, st_size={size}, ...}}"
    if kind == "struct statx __user *" and ret == 0:
        return _statx(copy_from_user(mm, value, STATX.size))
    if "struct __kernel_timespec __user *" in kind and (kind.startswith("const") or ret == 0):
        sec, nsec = TIMESPEC.unpack(copy_from_user(mm, value, TIMESPEC.size))
        return f"{{tv_sec={sec}, tv_nsec={nsec}}}"
    if kind == "struct __kernel_old_timeval __user *" and ret == 0:
        sec, usec = TIMESPEC.unpack(copy_from_user(mm, value, TIMESPEC.size))
        return f"{{tv_sec={sec}, tv_usec={usec}}}"
    if kind == "struct new_utsname __user *" and ret == 0:
        fields = copy_from_user(mm, value, 65 * 2)
        sysname, nodename = (fields[i * 65 : (i + 1) * 65].split(b"\0")[0] for i in range(2))
        return f"{{sysname={quote(sysname)}, nodename={quote(nodename)}, ...}}"
    if kind == "const struct sigaction __user *" or (kind == "struct sigaction __user *" and ret == 0):
        return _sigaction(copy_from_user(mm, value, 32))
    rlimit = kind.endswith("struct rlimit64 __user *") or kind == "struct rlimit __user *"
    if rlimit and (kind.startswith("const") or ret == 0):
        limits = struct.unpack("<QQ", copy_from_user(mm, value, 16))
        cur, high = (v if v != (1 << 64) - 1 else "RLIM64_INFINITY" for v in limits)
        return f"{{rlim_cur={cur}, rlim_max={high}}}"
    if kind == "struct rusage __user *" and ret > 0:
        return rusage(_reader(t), value)  # wait4's, once a child was reaped
    if kind == "sigset_t __user *" and ret == 0:
        return _sigset(int.from_bytes(copy_from_user(mm, value, 8), "little"))
    if kind == "struct iovec __user *" or kind == "const struct iovec __user *":
        return None  # shown by _iovec, which knows the count
    if "struct __kernel_itimerspec __user *" in kind and (kind.startswith("const") or ret == 0):
        isec, insec, vsec, vnsec = ITIMERSPEC.unpack(copy_from_user(mm, value, ITIMERSPEC.size))
        return f"{{it_interval={{tv_sec={isec}, tv_nsec={insec}}}, it_value={{tv_sec={vsec}, tv_nsec={vnsec}}}}}"
    return None


def _statx(data: bytes) -> str:
    """As strace abbreviates struct statx: the mask, the attributes, the mode and the size."""
    mask, _blksize, attributes, _nlink, _uid, _gid, mode, _ino, size, *_rest = STATX.unpack(data)
    shown = printflags(attributes, STATX_ATTRS, "STATX_ATTR_???")
    return f"{{stx_mask={statx_mask(mask)}, stx_attributes={shown}, stx_mode={_mode(mode)}, stx_size={size}, ...}}"


def _epoll_event(data: bytes) -> str:
    events, payload = EPOLL_EVENT.unpack(data)
    shown = bits(events, EPOLL_EVENTS, []) if events else "0"
    return f"{{events={shown}, data={{u32={payload & 0xFFFFFFFF}, u64={payload}}}}}"


def _epoll_events(t: Task, value: int, count: int) -> str:
    """The events an epoll wait returned, as strace prints the array."""
    shown = [_epoll_event(copy_from_user(t.mm, value + EPOLL_EVENT.size * i, EPOLL_EVENT.size))
             for i in range(min(count, EPOLL_EVENTS_SHOWN))]
    return "[" + ", ".join(shown) + (", ..." if count > EPOLL_EVENTS_SHOWN else "") + "]"


def _sigset(mask: int) -> str:
    """As strace prints one: [INT CHLD], or ~[...] when most are set."""
    def names(bits: int) -> str:
        return " ".join(signal_name(n).removeprefix("SIG") for n in range(1, 65) if bits >> (n - 1) & 1)

    if mask.bit_count() > 32:
        return "~[" + names(~mask & (1 << 64) - 1) + "]"
    return "[" + names(mask) + "]"


SI_CODES = uapi.names(signal, "SI_")
CLD_CODES = uapi.names(signal, "CLD_")
SEGV_CODES = uapi.names(signal, "SEGV_")


def _siginfo(sig: int, info: bytes) -> str:
    signo, _errno, code = struct.unpack_from("<iii", info)
    if sig == signal.SIGCHLD and code in CLD_CODES:
        pid, uid, status, utime, stime = struct.unpack_from("<iii4xQQ", info, 16)
        shown = signal_name(status) if code != signal.CLD_EXITED else str(status)
        return (f"{{si_signo=SIGCHLD, si_code={CLD_CODES[code]}, si_pid={pid}, si_uid={uid}, "
                f"si_status={shown}, si_utime={clock_t(utime)}, si_stime={clock_t(stime)}}}")
    if code == SI_TIMER:
        return timer_siginfo(info)
    if sig in FAULT_SIGNALS and code > 0:
        (addr,) = struct.unpack_from("<Q", info, 16)
        shown = SEGV_CODES.get(code, str(code)) if sig == signal.SIGSEGV else str(code)
        return f"{{si_signo={signal_name(signo)}, si_code={shown}, si_addr={addr:#x}}}"
    if code in (signal.SI_USER, signal.SI_TKILL):
        pid, uid = struct.unpack_from("<ii", info, 16)
        return f"{{si_signo={signal_name(signo)}, si_code={SI_CODES[code]}, si_pid={pid}, si_uid={uid}}}"
    return f"{{si_signo={signal_name(signo)}, si_code={SI_CODES.get(code, str(code))}}}"


def _sigaction(data: bytes) -> str:
    handler, flags, restorer, mask = struct.unpack("<QQQQ", data)
    shown = {0: "SIG_DFL", 1: "SIG_IGN"}.get(handler, hex(handler))
    text = f"{{sa_handler={shown}, sa_mask={_sigset(mask)}, sa_flags={bits(flags, SA_FLAGS, []) if flags else '0'}"
    return text + (f", sa_restorer={restorer:#x}}}" if flags & 0x04000000 else "}")


def _clone_args(t: Task, value: int, size: int) -> str:
    """clone3's struct clone_args as strace shows it: the flags by name, the pointers the flags use."""
    if not value:
        return "NULL"
    if size < sched.CLONE3_ARGS_SIZE_VER0:
        return f"{value:#x}"
    try:
        words = struct.unpack("<8Q", copy_from_user(t.mm, value, sched.CLONE3_ARGS_SIZE_VER0))
    except Errno:
        return f"{value:#x}"
    flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls = words
    fields = [f"flags={clone_flags(flags)}"]
    if flags & sched.CLONE_PIDFD:
        fields.append(f"pidfd={pidfd:#x}")
    if flags & (sched.CLONE_CHILD_SETTID | sched.CLONE_CHILD_CLEARTID):
        fields.append(f"child_tid={child_tid:#x}")
    if flags & sched.CLONE_PARENT_SETTID:
        fields.append(f"parent_tid={parent_tid:#x}")
    fields.append(f"exit_signal={signal_name(exit_signal) if 0 < exit_signal <= signal.NSIG else exit_signal}")
    fields += [f"stack={stack:#x}", f"stack_size={stack_size:#x}"]
    if flags & sched.CLONE_SETTLS:
        fields.append(f"tls={tls:#x}")
    return "{" + ", ".join(fields) + "}"


def _wait_status(status: int) -> str:
    if status & 0x7F == 0:
        return f"[{{WIFEXITED(s) && WEXITSTATUS(s) == {status >> 8 & 0xFF}}}]"
    if status & 0xFF == 0x7F:
        return f"[{{WIFSTOPPED(s) && WSTOPSIG(s) == {signal_name(status >> 8 & 0xFF)}}}]"
    return f"[{{WIFSIGNALED(s) && WTERMSIG(s) == {signal_name(status & 0x7F)}}}]"


def _iovec(t: Task, value: int, count: int, write: bool, ret: int) -> str:
    shown = []
    left = ret
    for i in range(min(count, 4)):
        base, size = struct.unpack("<QQ", copy_from_user(t.mm, value + 16 * i, 16))
        take = size if write else max(0, min(size, left))
        left -= take
        data = copy_from_user(t.mm, base, min(take, STRING_LIMIT + 1)) if base and take else b""
        shown.append(f"{{iov_base={quote(data)}, iov_len={size}}}")
    return "[" + ", ".join(shown) + (", ..." if count > 4 else "") + "]"


#: Calls whose const iovecs carry data in (shown whole), not buffers a read fills.
WRITES_IOV = ("sys_writev", "sys_pwritev", "sys_process_vm_writev")


def _remote_iovec(t: Task, value: int, count: int) -> str:
    shown = []
    for i in range(min(count, 4)):
        base, size = struct.unpack("<QQ", copy_from_user(t.mm, value + 16 * i, 16))
        shown.append(f"{{iov_base={base:#x}, iov_len={size}}}")
    return "[" + ", ".join(shown) + (", ..." if count > 4 else "") + "]"


def _strings(t: Task, array: int) -> str:
    if not array:
        return "NULL"
    items = []
    try:
        for i in range(5):
            ptr = int.from_bytes(copy_from_user(t.mm, array + 8 * i, 8), "little")
            if not ptr:
                break
            items.append(strncpy_from_user(t.mm, ptr, 4096) if i < 4 else b"")
    except Errno:
        return f"{array:#x}"
    return string_list(items)


def string_list(items: list[bytes]) -> str:
    """An argv or envp as strace shows it: the first four strings, then `...` for the rest."""
    shown = [quote(s) for s in items[:4]] + (["..."] if len(items) > 4 else [])
    return "[" + ", ".join(shown) + "]"


def _param(t: Task, p: Param, value: int, proto: Prototype, args: tuple[int, ...], ret: int) -> str:
    kind = p.type
    if p.is_user_pointer:
        if not value:
            return "NULL"
        try:
            if kind == "const char __user *const __user *":
                return _strings(t, value)
            if kind == "const char __user *" and p.name != "buf":
                return quote(strncpy_from_user(t.mm, value, 4096))
            if p.name == "buf" and "char" in kind:
                # The data: what was written, or what a read returned.
                count = args[[q.name for q in proto.params].index("buf") + 1]
                size = count if kind.startswith("const") else ret
                if size >= 0:
                    return quote(copy_from_user(t.mm, value, min(size, STRING_LIMIT + 1)))
            if kind.endswith("struct iovec __user *") and p.name == "rvec":
                # process_vm_readv/writev's: another process's addresses, shown as addresses.
                return _remote_iovec(t, value, args[[q.name for q in proto.params].index(p.name) + 1])
            if kind.endswith("struct iovec __user *") and (kind.startswith("const") and ret >= 0):
                count = args[[q.name for q in proto.params].index(p.name) + 1]
                return _iovec(t, value, count, proto.name in WRITES_IOV, ret)
            if kind == "struct epoll_event __user *":
                if p.name == "event":  # epoll_ctl's input
                    return _epoll_event(copy_from_user(t.mm, value, EPOLL_EVENT.size))
                if ret >= 0:  # a wait's output: as many as it returned
                    return _epoll_events(t, value, ret)
            if kind == "int __user *" and ret >= 0:
                if p.name == "stat_addr" and ret > 0:
                    return _wait_status(int.from_bytes(copy_from_user(t.mm, value, 4), "little"))
                if p.name == "fildes":
                    return "[{}, {}]".format(*struct.unpack("<ii", copy_from_user(t.mm, value, 8)))
            summary = _struct(t, kind, value, ret)
            if summary is not None:
                return summary
        except Errno:
            pass
        return f"{value:#x}"
    shown = scalar_format(proto.name, p.name, kind, value)
    if shown is not None:
        return shown
    words = kind.split()
    if "unsigned" in words or kind in ("size_t", "umode_t", "uid_t", "gid_t"):
        return str(value & 0xFFFFFFFF) if "int" in words or kind in ("unsigned", "uid_t", "gid_t") else str(value)
    if kind in ("int", "pid_t", "clockid_t"):
        return str(signed(value, 32))
    if ("long" in words and "unsigned" not in words) or kind in ("off_t", "loff_t"):
        return str(signed(value, 64))
    return hex(value) if value > 0xFFFF else str(value)


def _as_before(read: Reader, addr: int, saved: bytes | None) -> Reader:
    """`read`, but seeing `saved` at `addr`: what was there when the call began."""
    if saved is None:
        return read

    def reading(where: int, size: int) -> bytes | None:
        return saved[:size] if where == addr and size <= len(saved) else read(where, size)

    return reading


def _reader(t: Task) -> Reader:
    def read(addr: int, size: int) -> bytes | None:
        try:
            return copy_from_user(t.mm, addr, size)
        except Errno:
            return None

    return read


def _result(ret: int, entry_point: str) -> str:
    if -4095 <= ret < 0:
        name = ERRNO_NAMES.get(-ret, str(-ret))
        return f"-1 {name} ({os.strerror(-ret)})"
    if entry_point in MISC_RESULTS:
        return MISC_RESULTS[entry_point](ret)
    return hex(ret) if entry_point in ADDRESS_RESULTS else str(ret)


def chain(*tracers: Callable[[TableEntry, Handler], Handler]) -> Callable[[TableEntry, Handler], Handler]:
    """One tracer applying each of `tracers` in turn; the first wraps innermost."""

    def wrap(s: TableEntry, handler: Handler) -> Handler:
        for tracer in tracers:
            handler = tracer(s, handler)
        return handler

    return wrap


#: Calls that, when they succeed, replace the memory their arguments point into.
REPLACES_MEMORY = frozenset({"sys_execve", "sys_execveat"})


class Tracer:
    def __init__(self, prototypes: Mapping[str, Prototype], out: TextIO, *, show_init: bool = False,
                 selected: SyscallSet | None = None) -> None:
        self.prototypes = prototypes
        self.out = out
        self.several = False  # once a second task ran, every line names its tid (strace -f's [pid N])
        #: Show the generated init's calls (kernel/pid1.py), its child's before it runs the program too.
        self.show_init = show_init
        #: The calls to show (-e trace=SET); None: all of them.
        self.selected = selected
        #: Every syscall name the tracer was given a handler of: -e trace=NAME must be one of them.
        self.names: set[str] = set()

    def shows(self, name: str, entry_point: str) -> bool:
        """Whether calls of `name` are printed: all are, unless -e trace=SET leaves them out."""
        if self.selected is None:
            return True
        return (name, classes_of(name, self.prototypes.get(entry_point))) in self.selected

    def _hidden(self, t: Task) -> bool:
        return not self.show_init and runs_init(t)

    def _line(self, t: Task, text: str) -> None:
        if is_internal(t) or self._hidden(t):
            return
        self.several = self.several or sum(not self._hidden(x) for x in t.machine.tasks.values()) > 1
        prefix = f"[pid {t.tid}] " if self.several else ""
        self.out.write(prefix + text + "\n")
        self.out.flush()

    def _call(self, t: Task, s: TableEntry, args: tuple[int, ...], ret: int, lengths: Snapshot = (),
              header: bytes | None = None) -> str:
        """`lengths`: a socket call's in/out lengths when it began; `header`: what the first argument
        pointed to then (READ_BEFORE's calls)."""
        proto = self.prototypes.get(s.entry_point)
        entry = s.entry_point
        arguments = (ARGUMENTS.get(entry) or XATTR_ARGUMENTS.get(entry) or FILE_ARGUMENTS.get(entry)
                     or LOCK_ARGUMENTS.get(entry) or CRED_ARGUMENTS.get(entry)
                     or TIMER_ARGUMENTS.get(entry) or UTS_ARGUMENTS.get(entry) or MOUNT_ARGUMENTS.get(entry)
                     or KEY_ARGUMENTS.get(entry) or MISC_ARGUMENTS.get(entry))
        sockets = SOCKET_ARGUMENTS.get(entry)
        if s.entry_point == "sys_clone3":
            shown = f"{_clone_args(t, args[0], args[1])}, {args[1]}"
        elif sockets is not None:
            shown = sockets(_reader(t), args, ret, lengths)
        elif arguments is not None:
            shown = arguments(_as_before(_reader(t), args[0], header), args, ret)
        elif proto is None:
            shown = ", ".join(hex(a) for a in args)
        else:
            params = proto.params
            if proto.name in ("sys_open", "sys_openat"):  # the mode only matters with O_CREAT or __O_TMPFILE
                flags = args[[p.name for p in params].index("flags")]
                params = params if flags & 0o20000100 else params[:-1]
            if proto.name == "sys_mremap":  # the new address only matters with MREMAP_FIXED
                flags = args[[p.name for p in params].index("flags")]
                params = params if flags & mman.MREMAP_FIXED else params[:-1]
            shown = ", ".join(_param(t, p, v, proto, args, ret) for p, v in zip(params, args, strict=False))
        return f"{s.name}({shown})"

    def started(self, t: Task, filename: bytes, argv: list[bytes], envp: list[bytes]) -> None:
        """The first program's exec, which no system call made: strace's first line."""
        if self.shows("execve", "sys_execve"):
            self._line(t, f"execve({quote(filename)}, {string_list(argv)}, {string_list(envp)}) = 0")

    def signal(self, t: Task, sig: int, info: bytes) -> None:
        """A signal on its way into the task, as strace shows it: --- SIGCHLD {...} ---."""
        self._line(t, f"--- {signal_name(sig)} {_siginfo(sig, info)} ---")

    def exited(self, t: Task, status: ExitStatus) -> None:
        if status.signal is not None:
            self._line(t, f"+++ killed by {signal_name(status.signal)} +++")
        else:
            self._line(t, f"+++ exited with {status.code} +++")

    def __call__(self, s: TableEntry, handler: Handler) -> Handler:
        self.names.add(s.name)
        if not self.shows(s.name, s.entry_point):
            return handler

        def traced(t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
            args = (a0, a1, a2, a3, a4, a5)
            if s.noreturn:
                self._line(t, self._call(t, s, args, 0) + " = ?")
            # A successful execve leaves no old memory to read its arguments from.
            before = self._call(t, s, args, 0) if s.entry_point in REPLACES_MEMORY else None
            if s.entry_point == "sys_execve" and self._hidden(t) and (init := t.machine.init) is not None:
                # The init's child runs the program: shown as strace shows the program's exec, by the
                # name `run` was given (the init execs the file that name was found at).
                before = f"execve({quote(init.program_name)}, {_strings(t, a1)}, {_strings(t, a2)})"
            lengths = snapshot(s.entry_point, _reader(t), args)  # a socket call's in/out lengths, before it
            # capget rewrites a header it does not know: strace shows the one it was given.
            header = _reader(t)(args[0], 8) if s.entry_point in READ_BEFORE else None
            try:
                ret = handler(t, *args)
            except Errno as exc:
                ret = -exc.errno
                self._line(t, self._call(t, s, args, ret, lengths, header) + " = " + _result(ret, s.entry_point))
                raise
            except Sleep:
                raise  # traced when it runs again and ends
            except (Exception, SystemExit):
                # It never returns: a project's body oopsed and the task dies in it (strace's `= ?`).
                self._line(t, self._call(t, s, args, -1) + " = ?")
                raise
            if not s.noreturn:
                shown = before or self._call(t, s, args, ret, lengths, header)
                self._line(t, shown + " = " + _result(ret, s.entry_point))
            return ret

        return traced
