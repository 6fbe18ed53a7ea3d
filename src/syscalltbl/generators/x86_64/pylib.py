"""Render the Python side of the table: the sys_call_table modules and the libc-style wrappers.

    sys_call_table_64.py   common,64: what the runtime binds its handlers through
    sys_call_table_x32.py  common,x32: the same table as x32 programs see it
    libc.py                one typed function per 64-bit system call

Types come from the prototype header (kernel syntax). A parameter that is a
`__user` pointer becomes a bytes-like object; the wrapper checks that a
buffer is at least as long as the kernel may read or write through it, so a
short buffer is a ValueError, never a write past its end on the host. The
length comes from the size parameter that follows the pointer (`count`,
`size`, ...) or from SIZES; a pointer to a type of unknown size is an error
here, at generation time.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from syscalltbl.generators.jinja_env import render
from syscalltbl.generators.x86_64.kernel import NI_SYSCALL, Syscall, dense, select_64, x64_symbol
from syscalltbl.tables.model import Table
from syscalltbl.tables.prototype_model import Prototype

GENERATOR = "generators/x86_64/pylib.py"
X32_SYSCALL_BIT = 0x40000000

#: sizeof(pointee) on x86-64, for pointers without a size parameter.
SIZES: Mapping[str, int] = {
    "struct stat": 144, "struct __kernel_timespec": 16, "struct __kernel_old_timeval": 16,
    "struct timezone": 8, "struct new_utsname": 390, "struct rusage": 144, "struct getcpu_cache": 128,
    "__kernel_old_time_t": 8, "int": 4, "unsigned": 4, "unsigned int": 4, "uid_t": 4, "gid_t": 4,
    "struct sigaction": 32, "sigset_t": 8, "struct sigaltstack": 24, "struct rlimit": 16, "struct rlimit64": 16,
    "size_t": 8, "struct statfs": 120, "struct utimbuf": 16, "loff_t": 8, "struct sysinfo": 112,
    "u32": 4, "struct sched_param": 4, "struct epoll_event": 12, "struct __kernel_itimerspec": 32,
    "struct shmid_ds": 112, "struct statx": 256, "struct xattr_args": 16,
    "struct __kernel_old_itimerval": 32, "struct sigevent": 64, "struct siginfo": 128, "struct tms": 32,
    "timer_t": 4, "struct user_msghdr": 56,
    "struct msqid_ds": 120, "struct mq_attr": 64, "aio_context_t": 8, "struct iocb": 64, "struct io_event": 32,
    "struct __aio_sigset": 16,
    "struct ustat": 32,
    "struct __kernel_timex": 208, "struct sched_attr": 56,
    "struct cachestat_range": 16, "struct cachestat": 40,
}  # fmt: skip
#: Pointers whose length is not sizeof(pointee): (entry point, parameter) -> Python expression.
LENGTHS: Mapping[tuple[str, str], str] = {
    ("sys_pipe", "fildes"): "8",  # int[2]
    ("sys_pipe2", "fildes"): "8",
    ("sys_getgroups", "grouplist"): "4 * max(gidsetsize, 0)",
    ("sys_get_robust_list", "head_ptr"): "8",  # a pointer to the head pointer
    ("sys_utimensat", "utimes"): "32",  # atime and mtime
    ("sys_futimesat", "utimes"): "32",
    ("sys_utimes", "utimes"): "32",
    ("sys_poll", "ufds"): "8 * nfds",  # struct pollfd[nfds], read and written
    ("sys_ppoll", "ufds"): "8 * nfds",
    ("sys_select", "inp"): "(n + 63) // 64 * 8",  # fd_set bitmaps of n bits, in longs
    ("sys_select", "outp"): "(n + 63) // 64 * 8",
    ("sys_select", "exp"): "(n + 63) // 64 * 8",
    ("sys_pselect6", "inp"): "(n + 63) // 64 * 8",
    ("sys_pselect6", "outp"): "(n + 63) // 64 * 8",
    ("sys_pselect6", "exp"): "(n + 63) // 64 * 8",
    ("sys_pselect6", "sig"): "16",  # { const sigset_t *ss; size_t ss_len; }
    ("sys_futex_waitv", "waiters"): "24 * nr_futexes",  # struct futex_waitv[nr_futexes]
    ("sys_sendmmsg", "msg"): "64 * vlen",  # struct mmsghdr[vlen]
    ("sys_recvmmsg", "msg"): "64 * vlen",
    # Another process's addresses, not buffers of this one: the struct iovec[riovcnt] array as bytes.
    ("sys_process_vm_readv", "rvec"): "16 * riovcnt",
    ("sys_process_vm_writev", "rvec"): "16 * riovcnt",
    ("sys_lsm_list_modules", "ids"): "256",  # room for 32 ids (u64), more modules than any kernel runs
    ("sys_reboot", "arg"): "256",  # RESTART2's command string, read up to its NUL (at most 256 bytes)
    ("sys_futex_requeue", "waiters"): "48",  # struct futex_waitv[2]: from and to
    ("sys_futex_wake", "uaddr"): "1 << (flags & 3)",  # FUTEX2_SIZE_U8..U64 in flags
    ("sys_futex_wait", "uaddr"): "1 << (flags & 3)",
    ("sys_mincore", "vec"): "(len + 4095) // 4096",  # a byte per page
    ("sys_sched_getaffinity", "user_mask_ptr"): "len",  # the size comes before the pointer
    ("sys_sched_setaffinity", "user_mask_ptr"): "len",
    ("sys_epoll_wait", "events"): "12 * max(maxevents, 0)",  # struct epoll_event[maxevents], packed
    ("sys_epoll_pwait", "events"): "12 * max(maxevents, 0)",
    ("sys_epoll_pwait2", "events"): "12 * max(maxevents, 0)",
    ("sys_shmat", "shmaddr"): "0",  # an attach address: never read or written
    ("sys_shmdt", "shmaddr"): "0",
    ("sys_msgsnd", "msgp"): "8 + msgsz",  # struct msgbuf: a long type, then the text
    ("sys_msgrcv", "msgp"): "8 + msgsz",
    ("sys_semop", "sops"): "6 * nsops",  # struct sembuf[nsops]
    ("sys_semtimedop", "sops"): "6 * nsops",
    ("sys_mq_timedsend", "msg_ptr"): "msg_len",
    ("sys_mq_timedreceive", "msg_ptr"): "msg_len",
    ("sys_io_submit", "iocbpp"): "8 * max(nr, 0)",  # struct iocb *[nr]
    ("sys_io_getevents", "events"): "32 * max(nr, 0)",  # struct io_event[nr]
    ("sys_io_pgetevents", "events"): "32 * max(nr, 0)",
    ("sys_socketpair", "usockvec"): "8",  # int[2]
    ("sys_bind", "umyaddr"): "max(addrlen, 0)",
    ("sys_connect", "uservaddr"): "max(addrlen, 0)",
    ("sys_sendto", "addr"): "max(addr_len, 0)",
    ("sys_accept", "upeer_sockaddr"): "110",  # at most a struct sockaddr_un: the only family here
    ("sys_accept4", "upeer_sockaddr"): "110",
    ("sys_getsockname", "usockaddr"): "110",
    ("sys_getpeername", "usockaddr"): "110",
    ("sys_recvfrom", "addr"): "110",
    ("sys_setsockopt", "optval"): "max(optlen, 0)",
    ("sys_getsockopt", "optval"): "16",  # the largest option answered: SO_RCVTIMEO's struct timeval
    ("sys_mount", "data"): "0",  # the options text, read up to its NUL (at most a page)
    ("sys_mount_setattr", "uattr"): "usize",
    ("sys_add_key", "_payload"): "plen",
    ("sys_openat2", "how"): "usize",  # struct open_how, of the size the caller says
    ("sys_name_to_handle_at", "handle"): "136",  # struct file_handle and its MAX_HANDLE_SZ bytes
    ("sys_name_to_handle_at", "mnt_id"): "8",  # an int, or a u64 with AT_HANDLE_MNT_ID_UNIQUE
    ("sys_open_by_handle_at", "handle"): "136",
}
SIZE_PARAMS = ("count", "size", "bufsiz", "len")
#: Calls that write through their iovecs (the array itself is const).
READS_IOV = frozenset({"sys_readv", "sys_preadv", "sys_preadv2", "sys_process_vm_readv"})
STRING_ARRAY = "const char __user *const __user *"


def _pointee(kernel_type: str) -> str:
    words = kernel_type.replace("*", " ").split()
    return " ".join(w for w in words if w not in ("const", "__user"))


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: str  # the Python parameter list, annotated
    args: str  # the call: number first, then one converted argument per parameter
    doc: str
    noreturn: bool


def _pyname(name: str, i: int) -> str:
    if not name:
        return f"arg{i}"
    return name + "_" if keyword.iskeyword(name) else name


def _convert(proto: Prototype, i: int, names: Sequence[str]) -> tuple[str, str]:
    """(annotation, argument expression) for parameter `i`."""
    q, name = proto.params[i], names[i]
    if not q.is_user_pointer:
        return "int", name
    if q.type == STRING_ARRAY:
        return "Sequence[PathArg] | None", f"_k.paths({name})"
    const = q.type.startswith("const ")
    pointee = _pointee(q.type)
    if pointee == "char" and const and q.name != "buf":
        return "PathArg | None", f"_k.path({name})"
    length = LENGTHS.get((proto.name, q.name))
    if pointee == "struct iovec" and length is None:
        if proto.name in READS_IOV:
            return "Sequence[WBuffer]", f"_k.iov_out({name})"
        return "Sequence[Buffer]", f"_k.iov_in({name})"
    if length is None and i + 1 < len(proto.params) and proto.params[i + 1].name in SIZE_PARAMS:
        length = names[i + 1]
    if length is None and pointee in SIZES:
        length = str(SIZES[pointee])
    if length is None:
        raise ValueError(f"{proto.name}: no length known for parameter {q.name!r} ({q.type}); add it to SIZES")
    if const:
        return "Buffer | None", f"_k.buf_in({name}, {length})"
    return "WBuffer | None", f"_k.buf_out({name}, {length})"


def wrapper(s: Syscall, proto: Prototype | None) -> Function:
    if proto is None:
        doc = f"{s.entry_point}: no prototype; up to six integer arguments."
        return Function(s.name, "*args: int", f"{s.number}, *args", doc, s.noreturn)
    names = [_pyname(q.name, i) for i, q in enumerate(proto.params)]
    converted = [_convert(proto, i, names) for i in range(len(names))]
    params = ", ".join(f"{n}: {ann}" for n, (ann, _) in zip(names, converted, strict=True))
    args = ", ".join([str(s.number), *(expr for _, expr in converted)])
    return Function(s.name, params, args, proto.declaration(), s.noreturn)


def _live(syscalls: Sequence[Syscall]) -> list[Syscall]:
    """Each name once (its first line), holes and ni entries left out: what gets a function."""
    seen: dict[str, Syscall] = {}
    for s in syscalls:
        if s.entry_point != NI_SYSCALL:
            seen.setdefault(s.name, s)
    return list(seen.values())


def _lint_ready(text: str) -> str:
    """Generated lines carry whole prototypes; only then do they need ruff's long-line waiver."""
    if max(len(line) for line in text.splitlines()) <= 120:
        return text
    spdx, rest = text.split("\n", 1)
    return f"{spdx}\n# ruff: noqa: E501\n{rest}"


def render_libc(syscalls: Sequence[Syscall], prototypes: Mapping[str, Prototype], *, source: str, protos: str) -> str:
    functions = [wrapper(s, prototypes.get(s.entry_point)) for s in _live(syscalls)]
    return _lint_ready(render(
        "x86_64/python/libc.py.j2",
        functions=functions,
        exported=sorted(["Buffer", "PathArg", "WBuffer", "use", *(f.name for f in functions)]),
        uses_sequence=any("Sequence[" in f.params for f in functions),
        uses_noreturn=any(f.noreturn for f in functions),
        generator=GENERATOR,
        source=source,
        protos=protos,
    ))


def render_sys_call_table(
    syscalls: Sequence[Syscall], prototypes: Mapping[str, Prototype], *, abis: Sequence[str], source: str, protos: str
) -> str:
    """The table for `abis`: ("common", "64") or ("common", "x32")."""
    table = []
    for e in dense(syscalls):
        if e is None:
            table.append("sys_ni_syscall")
            continue
        proto = prototypes.get(e.entry_point)
        decl = proto.declaration() if proto is not None else None
        table.append(
            f"Entry({e.number}, {e.name!r}, {e.entry_point!r}, {x64_symbol(e.entry_point)!r}, {decl!r}, {e.noreturn})"
        )
    return _lint_ready(render(
        "x86_64/python/sys_call_table.py.j2",
        abis=",".join(abis),
        abis_tuple=repr(tuple(abis)),
        bit=X32_SYSCALL_BIT if "x32" in abis else 0,
        x32_bit=X32_SYSCALL_BIT,
        names=_live(syscalls),
        table=table,
        generator=GENERATOR,
        source=source,
        protos=protos,
    ))


def render_python(table: Table, prototypes: Mapping[str, Prototype], source: str, protos: str) -> dict[str, str]:
    """The three Python modules, keyed by file name."""
    common = {"source": source, "protos": protos}
    return {
        "sys_call_table_64.py": render_sys_call_table(select_64(table), prototypes, abis=("common", "64"), **common),
        "sys_call_table_x32.py": render_sys_call_table(
            select_64(table, ("common", "x32")), prototypes, abis=("common", "x32"), **common
        ),
        "libc.py": render_libc(select_64(table), prototypes, **common),
    }
