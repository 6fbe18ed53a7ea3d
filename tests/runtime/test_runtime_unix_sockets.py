"""Unix-domain sockets (issue 16): stream, datagram and seqpacket sockets, filesystem and abstract names,
descriptors and credentials passed in messages, the options, poll and shutdown.

One static C program (data/unix_sockets.c) exercises them, forking clients
for the echo servers and the descriptor passing; it prints relations, not
process ids, so its output is the same natively (in a fresh directory of
/dev/shm, a tmpfs like the machine's filesystem) and on the machine. --trace
must print the calls as strace 6.1 printed them for the native run.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import test_runtime_limits as limits
from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

from support import Cli
from syscalltbl.machine.kernel.limits import Limits

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "socket type 0: -1 ESOCKTNOSUPPORT",
    "getpeername on a pipe: -1 ENOTSOCK",
    "SO_SNDBUF after 10000: 20000",
    "  pid is mine: yes, uid 0 gid 0, len 12",
    "poll reader after SHUT_WR: 1 IN OUT RDHUP ",
    "write after SHUT_WR: -1 EPIPE",
    "recvmsg into 4 bytes: 4",
    "  MSG_TRUNC: yes, trun",
    "one message of both buffers: 5",
    "queued before EAGAIN: 11",
    "third party sendto: -1 EPERM",
    "its queue was purged: -1 EAGAIN",
    "the sender's SO_ERROR: ECONNRESET",
    "  from: len 10, @dgram-s",
    "peer pid is the child's: yes, uid 0",
    "client: got pong, peer pid is my parent: yes, peer name matches: yes",
    "connect to the unlinked name: -1 ENOENT",
    "getsockname: len 16, @echo-abstract",
    "connections queued with backlog 1: 2",
    "child: received 1 fd, reads passed file's text from the shared offset",
    "room for one: got 2, MSG_CTRUNC yes",
    "send 254: -1 EINVAL",
    "recvmsg 1: SCM_CREDENTIALS yes, pid is the child's: yes, uid 0 gid 0",
    "child: sendmsg a pid that does not exist: -1 ESRCH",
    "nobody claims uid 0: -1 EPERM",
    "nobody claims its own: 1",
    "from nobody: pid is the child's yes, uid 65534 gid 65534",
    "recv interrupted by a handler: -1 EINTR",
    "recv restarted after an SA_RESTART handler: 1",
    "recv with SO_RCVTIMEO interrupted despite SA_RESTART: -1 EINTR",
    "done",
)
#: Lines strace 6.1 printed for the native run (addresses as ADDR, process ids as PID).
TRACE_LINES = (
    "socket(0xc8 /* AF_??? */, SOCK_STREAM, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)",
    "socket(AF_UNIX, 0, 0) = -1 ESOCKTNOSUPPORT (Socket type not supported)",
    "socket(AF_UNIX, SOCK_RAW|0x60 /* SOCK_??? */, 0) = -1 EINVAL (Invalid argument)",
    "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3",
    "getsockname(3, {sa_family=AF_UNIX}, [110 => 2]) = 0",
    "getpeername(3, ADDR, [110]) = -1 ENOTCONN (Transport endpoint is not connected)",
    "socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0",
    "getsockopt(3, SOL_SOCKET, SO_SNDBUF, [212992], [4]) = 0",
    'getsockopt(3, SOL_SOCKET, SO_TYPE, "\\1\\0", [2]) = 0',
    "getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=PID, uid=0, gid=0}, [12]) = 0",
    "setsockopt(3, SOL_SOCKET, SO_SNDBUF, [10000], 4) = 0",
    "setsockopt(3, SOL_SOCKET, SO_PASSCRED, ADDR, 2) = -1 EINVAL (Invalid argument)",
    "setsockopt(3, SOL_SOCKET, 0x3e7 /* SO_??? */, [2139029505], 4) = -1 ENOPROTOOPT (Protocol not available)",
    'recvfrom(3, "hello", 5, MSG_PEEK, NULL, NULL) = 5',
    'sendto(4, "z", 1, 0, {sa_family=AF_UNIX, sun_path="x"}, 110)'
    " = -1 EISCONN (Transport endpoint is already connected)",
    "shutdown(4, 0x3 /* SHUT_??? */) = -1 EINVAL (Invalid argument)",
    'sendto(4, "x", 1, MSG_NOSIGNAL, NULL, 0) = -1 EPIPE (Broken pipe)',
    'recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="trun", iov_len=4}], msg_iovlen=1,'
    " msg_controllen=0, msg_flags=MSG_TRUNC}, 0) = 4",
    'bind(4, {sa_family=AF_UNIX, sun_path=@"dgram-s"}, 10) = 0',
    'recvfrom(3, "hi", 64, 0, {sa_family=AF_UNIX, sun_path=@"dgram-s"}, [110 => 10]) = 2',
    'recvfrom(3, "x", 64, 0, ADDR, [110 => 0]) = 1',
    'connect(4, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"}, 16) = 0',
    'getsockname(3, {sa_family=AF_UNIX, sun_path="echo-socket"}, [110 => 14]) = 0',
    'connect(4, {sa_family=AF_UNIX, sun_path=@"echo-abstract"}, 16) = -1 ECONNREFUSED (Connection refused)',
    "accept4(3, NULL, NULL, SOCK_CLOEXEC) = 9",
    'sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="T", iov_len=1}], msg_iovlen=1,'
    " msg_control=[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[11, 11, 11]}],"
    " msg_controllen=32, msg_flags=0}, 0) = 1",
    'recvmsg(10, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="T", iov_len=64}], msg_iovlen=1,'
    " msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[12, 13]}],"
    " msg_controllen=24, msg_flags=MSG_CTRUNC}, 0) = 1",
    'recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=8}], msg_iovlen=1,'
    " msg_control=[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=PID, uid=0,"
    " gid=0}}], msg_controllen=32, msg_flags=0}, 0) = 1",
)


def test_unix_sockets_as_natively(tmp_path: Path) -> None:
    program = build_static(tmp_path, "unix_sockets.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


def test_the_socket_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "unix_sockets.c")
    root = machine_root(tmp_path / "root", program)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out, 300)
    assert proc.returncode == 0 and proc.stdout.endswith(b"done\n"), proc.stderr
    text = re.sub(r"0x7ff[0-9a-f]+", "ADDR", out.read_text())
    text = re.sub(r"pid=\d+", "pid=PID", text)
    lines = {re.sub(r"^\[pid +\d+\] ", "", line) for line in text.splitlines()}
    missing = [line for line in TRACE_LINES if line not in lines]
    assert not missing, "\n".join(missing)


def test_bash_asks_getpeername_of_its_stdin() -> None:
    """bash's start-up asks whether stdin is a network connection: ENOTSOCK for a pipe, as natively."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--trace", "--env-clear", "/bin/bash", "-c", "echo hi"]
    proc = subprocess.run(argv, input=b"", capture_output=True, timeout=300, check=False)
    assert (proc.returncode, proc.stdout) == (0, b"hi\n"), proc.stderr[-2000:]
    calls = [line for line in proc.stderr.decode().splitlines() if line.startswith("getpeername(0,")]
    assert calls and all(line.endswith("= -1 ENOTSOCK (Socket operation on non-socket)") for line in calls), calls


def test_socket_buffers_take_ram_and_end_in_enobufs(cli: Cli, tmp_path: Path) -> None:
    """A guest filling socket pairs, or leaving connections unaccepted, without end fills the machine's RAM,
    never the host's."""
    root = machine_root(tmp_path / "root", build_static(tmp_path, "limits_sockets.c"))
    # --pid1: the program alone in the 32 MiB, as these marks were set (the init's pages would move them).
    result = limits.run(cli, root, "--memory", "32M", "--max-files", "4096", "--pid1", "limits_sockets")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "filling sockets", "send: No buffer space available", "full after many pairs, several MiB",
        "a new pair after closing them: works", "connect: Cannot allocate memory",
        "many connections waiting, on listeners", "a new pair after closing them: works"]
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


def test_a_host_socket_file_is_never_connected_to(tmp_path: Path) -> None:
    """A socket the host listens on, seen through the host-root view: a name, never a way out."""
    program = build_static(tmp_path, "unix_sockets.c")
    root = machine_root(tmp_path / "root", program)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as host:
        host.bind(str(root / "work" / "host.sock"))
        host.listen(1)
        host.setblocking(False)
        machine = run_machine(root, program, ("/work/host.sock",)).outcome
        with pytest.raises(BlockingIOError):
            host.accept()  # nothing reached it
    assert (machine.stdout.decode(), machine.status) == (
        "connect: -1 ECONNREFUSED\nbind: -1 EADDRINUSE\nstat: 0\na socket file: yes\nopen: -1 ENXIO\n", 0)


def test_sockets_in_flight_do_not_keep_a_finished_machine_alive(tmp_path: Path) -> None:
    """A socket with an abstract name that only its own queue holds, with a /proc file in flight beside it:
    nothing global (the table of abstract names) may keep it, and through the /proc file the machine, alive."""
    import gc
    import os
    import weakref

    from syscalltbl.machine.machine import Machine

    program = build_static(tmp_path, "unix_socket_cycle.c")
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=True).stdout
    assert native == b"bind: 0\nsendmsg: 1\ndone\n", native
    out = tmp_path / "out"
    with open(out, "wb") as sink, open(os.devnull, "rb") as empty:
        machine = Machine(root=None, stdio=(empty.fileno(), sink.fileno(), sink.fileno()))
        status = machine.run(str(program), [program.name])
        gone = weakref.ref(machine)
        del machine
    assert (status.code, out.read_bytes()) == (0, native)
    gc.collect()
    assert gone() is None


#: What the edge-value program must print natively.
EDGE_FACTS = (
    "recvmsg(sv[0], &msg, MSG_DONTWAIT): -1 EINVAL",
    "recvmsg(sv[0], &msg, MSG_DONTWAIT): 3 ",
    "msg_namelen after a receive without msg_name: 77",
    'sendto(sv[0], "a", 1, 0, (struct sockaddr *)&inet, sizeof inet): -1 EISCONN',
    "sendmsg(sv[0], &named, 0): -1 EISCONN",
    "sendmsg(dg[0], &named, MSG_OOB): -1 EOPNOTSUPP",
    "sendmsg(dg[0], &named, 0): -1 EINVAL",
    "send_cred(dg[0], getpid(), (uid_t)-1, 0): -1 EINVAL",
    "send_cred(dg[0], getpid(), 0, (gid_t)-1): -1 EINVAL",
    "send_cred(dg[0], getpid(), 0, 0): 1 ",
    "after -1: SO_SNDBUF the most: yes, SO_RCVBUF the most: yes",
    "after FORCE -5: SO_SNDBUF 4608, SO_RCVBUF 2304",
    "SO_LINGER after turning it off: onoff 0, linger 7",
    "SO_LINGER of -1: onoff 1, linger -1752346657",
    "SO_RCVTIMEO {0, 1} reads {0, 4000}",
    "SO_RCVTIMEO {1, 4001} reads {1, 8000}",
    "SO_RCVTIMEO {9223372036854775807, 0} reads {0, 0}",
    "SO_RCVTIMEO {36893488147419101, 0} reads {36893488147419101, 0}",
    "SO_RCVTIMEO {-1, 5} reads {0, 0}",
    "bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&slash, sizeof slash): -1 ENOENT",
    "bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&here, sizeof here): -1 EADDRINUSE",
    "edges-sock made: no",
    "recvmsg(dg[1], &lost, 0): 1 ",
    "  flags 0, controllen 0, no descriptor made: yes",
    "done",
)


def test_unix_socket_edge_values_as_natively(tmp_path: Path) -> None:
    """Negative lengths and sizes, ids that are no id, an address of another family: answered as Linux does."""
    program = build_static(tmp_path, "unix_socket_edges.c")
    assert_as_on_a_tmpfs(tmp_path, program, EDGE_FACTS)


def test_a_huge_send_is_not_held_in_host_memory(cli: Cli, tmp_path: Path) -> None:
    """512 MiB sent at once through sockets with SO_SNDBUFFORCE at INT_MAX, from untouched memory, in a 32 MiB
    machine: RAM has no room for it (ENOBUFS), and the host never held the 512 MiB."""
    root = machine_root(tmp_path / "root", build_static(tmp_path, "limits_socket_send.c"))
    result = limits.run(cli, root, "--memory", "32M", "limits_socket_send")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "datagram send: ENOBUFS", "stream send: some"], result
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


def test_reading_a_long_queue_takes_time_in_proportion_to_it(tmp_path: Path) -> None:
    """100000 one-byte skbs read one at a time: linear (seconds), where counting the whole queue at every
    read took minutes (quadratic)."""
    program = build_static(tmp_path, "unix_socket_many_skbs.c")
    argv = [sys.executable, "-m", "syscalltbl", "run", str(program), "100000"]
    proc = subprocess.run(argv, capture_output=True, timeout=90, check=False)
    assert (proc.returncode, proc.stdout) == (
        0, b"sent 100000 one-byte messages, received 100000 bytes one at a time\n"), proc.stderr[-2000:]
