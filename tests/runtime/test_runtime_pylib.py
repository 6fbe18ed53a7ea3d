"""The generated Python side: sys_call_table modules, libc-style wrappers on both
backends, `syscalltbl run PROGRAM.py`."""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from syscalltbl import libc
from syscalltbl.generators.x86_64.pylib import render_python
from syscalltbl.machine.image.kbuild import load_prototypes
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.python import pylibc
from syscalltbl.machine.python.pyprocess import EmulatedBackend, NotOnThisMachine, ProcessExit
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.machine.syscalls.registry import sys_ni_syscall
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN = HERE / "golden" / "x86_64" / "python"
MINI = HERE / "data" / "mini_64.tbl"


def _mini() -> dict[str, str]:
    return render_python(parse_table(MINI), load_prototypes(default().prototypes), "mini_64.tbl", "syscalls_64.h")


@pytest.mark.parametrize("name", sorted(_mini()))
def test_golden(name: str) -> None:
    got = _mini()[name]
    if os.environ.get("SYSCALLTBL_UPDATE_GOLDEN"):
        (GOLDEN / name).write_text(got)
    assert got == (GOLDEN / name).read_text(), f"regenerate with SYSCALLTBL_UPDATE_GOLDEN=1 if intended: {name}"


def test_shipped_libc_is_the_generated_one() -> None:
    from syscalltbl.generators.x86_64.outputs import runtime_outputs

    built = dict(runtime_outputs(default(), REGISTRY))["runtime/x86_64/python/libc.py"]
    if os.environ.get("SYSCALLTBL_UPDATE_GOLDEN"):
        (REPO / "src" / "syscalltbl" / "libc.py").write_bytes(built)
    assert (REPO / "src" / "syscalltbl" / "libc.py").read_bytes() == built, "regenerate with SYSCALLTBL_UPDATE_GOLDEN=1"


def test_sys_call_table_modules_and_dispatch_through_them() -> None:
    machine = Machine()
    table = machine.kernel.table
    getpid = table[39]
    assert (getpid.number, getpid.name, getpid.entry_point) == (39, "getpid", "sys_getpid")
    assert getpid.symbol == "__x64_sys_getpid"
    assert table[39].prototype == "long sys_getpid(void)" and table[231].noreturn
    # A stand-in until the first getpid imports its family (syscalls/families.py), then the body itself.
    assert machine.dispatch[39].__name__ == "sys_getpid"
    assert machine.run("/bin/busybox", ["sh", "-c", "echo $$ >/dev/null"]).code == 0
    assert machine.dispatch[39] is REGISTRY["sys_getpid"]
    hole = next(i for i, e in enumerate(table) if e.number == -1)
    assert table[hole].entry_point == "sys_ni_syscall" and machine.dispatch[hole] is sys_ni_syscall
    assert len(machine.dispatch) == len(table)
    x32 = _mini()["sys_call_table_x32.py"]
    namespace: dict[str, object] = {}
    exec(compile(x32, "x32", "exec"), namespace)
    assert namespace["__NR_write"] == 0x40000001 and namespace["NR_BASE"] == 0x40000000


# -- the native backend: the host kernel, compared with Python's os module --


def test_native_matches_os() -> None:
    previous = pylibc.use(None)
    try:
        assert (libc.getpid(), libc.getppid(), libc.getuid(), libc.geteuid(), libc.getgid()) == (
            os.getpid(), os.getppid(), os.getuid(), os.geteuid(), os.getgid())
        uts = bytearray(390)
        assert libc.uname(uts) == 0
        fields = [bytes(uts[i * 65 : (i + 1) * 65]).split(b"\0")[0].decode() for i in range(5)]
        assert tuple(fields) == tuple(os.uname())
        r, w = os.pipe()
        try:
            assert libc.write(w, memoryview(b"native bytes"), 12) == 12
            assert os.read(r, 100) == b"native bytes"
            os.write(w, b"from os")
            buf = bytearray(16)
            assert libc.read(r, buf, 16) == 7 and buf[:7] == b"from os"
        finally:
            os.close(r)
            os.close(w)
        with pytest.raises(OSError) as ours:
            libc.read(r, bytearray(1), 1)
        with pytest.raises(OSError) as theirs:
            os.read(r, 1)
        assert (type(ours.value), ours.value.args) == (type(theirs.value), theirs.value.args)
        with pytest.raises(FileNotFoundError):
            libc.open("/nonexistent/x", os.O_RDONLY, 0)
    finally:
        pylibc.use(previous)


def test_buffers_are_checked_before_the_call() -> None:
    with pytest.raises(ValueError, match="may write 390"):
        libc.uname(bytearray(10))
    with pytest.raises(TypeError, match="writable"):
        libc.read(0, b"immutable", 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reads 9"):
        libc.write(1, b"short", 9)
    with pytest.raises(ValueError, match="null byte"):
        libc.open("a\0b", 0, 0)


# -- the emulated backend: a process of the machine --


@pytest.fixture(scope="module")
def emulated() -> EmulatedBackend:
    return EmulatedBackend(Machine(stdio=(0, 1, 2)), ["prog.py", "x"], ["K=V"])


def test_emulated_calls_run_in_the_machine(emulated: EmulatedBackend) -> None:
    previous = pylibc.use(emulated)
    try:
        assert (libc.getpid(), libc.getppid(), libc.getuid()) == (emulated.task.pid, 0, 0)
        uts = bytearray(390)
        libc.uname(uts)
        assert uts[:5] == b"Linux" and uts[65 * 2 : 65 * 2 + 17] == b"6.18.2-syscalltbl"
        fds = bytearray(8)
        assert libc.pipe2(fds, 0) == 0
        r, w = struct.unpack("<ii", fds)
        assert libc.writev(w, [b"ab", bytearray(b"cd"), memoryview(b"ef")], 3) == 6
        first, second = bytearray(4), bytearray(4)
        assert libc.readv(r, [first, second], 2) == 6 and (bytes(first), bytes(second[:2])) == (b"abcd", b"ef")
        with pytest.raises(OSError) as bad:
            libc.close(99)
        assert bad.value.errno == errno.EBADF
        assert libc.mkdir("/made", 0o755) == 0
        st = bytearray(144)
        assert libc.stat(b"/made", st) == 0 and struct.unpack_from("<I", st, 24)[0] & 0o170000 == 0o040000
        with pytest.raises(OSError) as nosys:
            libc.ioperm(0, 1, 0)
        assert nosys.value.errno == errno.ENOSYS
        with pytest.raises(NotOnThisMachine, match="fork"):
            libc.fork()
        with pytest.raises(NotOnThisMachine, match="execve"):
            libc.execve("/bin/sh", ["sh"], [])
    finally:
        pylibc.use(previous)


def test_emulated_exit_ends_the_program() -> None:
    backend = EmulatedBackend(Machine(), ["p"])
    previous = pylibc.use(backend)
    try:
        with pytest.raises(ProcessExit) as end:
            libc.exit_group(3)
        assert end.value.code == 3
    finally:
        pylibc.use(previous)


def test_run_a_python_program(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import sys\n"
        "from syscalltbl import libc\n"
        "line = ' '.join(sys.argv[1:]).encode() + b'\\n'\n"
        "libc.write(1, line, len(line))\n"
        "try:\n"
        "    libc.vfork()\n"
        "except RuntimeError as exc:\n"
        "    libc.write(2, str(exc).encode()[:21] + b'\\n', 22)\n"
        "libc.kill(libc.getpid(), 15)\n"
    )
    proc = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--trace", program, "a", "b"],
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 128 + 15
    assert proc.stdout == b"a b\n"
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == 'write(1, "a b\\n", 4) = 4'
    assert "system call 58 (vfork" in lines and 'write(2, "system call 58 (vfork\\n", 22) = 22' in lines
    assert "kill(1, SIGTERM) = 0" in lines and "killed by SIGTERM" in lines[-1]
