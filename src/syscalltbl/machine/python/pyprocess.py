"""A Python program as a process of the emulated machine: the backend of syscalltbl.libc.

The interpreter runs on the host, but the process is real: it has an
address space, a kernel stack, fds 0-2 and an initial stack with argv and
envp, and its program is a tiny static ELF linked from the generated
stubs.S. For every wrapper call the backend copies the arguments into the
process's memory, points pt_regs at the stub and returns to user mode
through `syscall_return_to_user`; the stub's `syscall` then takes the full
ring 3 -> ring 0 -> ring 3 path, and the stub returns to a hooked address
where the host collects %rax (and errno, which the stub stored in user
memory).

There is no user-space copy of the interpreter to duplicate or replace, so
fork, vfork, clone and execve raise NotOnThisMachine instead of running.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Sequence

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import render_unistd_64
from syscalltbl.generators.x86_64.userlib import render_userlib
from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.image.kbuild import load_prototypes
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.machine.kernel.mm import page_up
from syscalltbl.machine.kernel.process import USER_RFLAGS, ExitStatus, Task
from syscalltbl.machine.kernel.tracehooks import mark_internal
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.python.pylibc import Arg, In, Out, Strings, Vec

MASK64 = (1 << 64) - 1
ARENA = 16 << 20  # argument space; a call needing more gets a larger area
REFUSED = frozenset({"fork", "vfork", "clone", "clone3", "execve", "execveat"})

HOST_PROGRAM = """
	.text
	.globl	_start
/*
 * The runtime enters here once per call, from syscall_return_to_user, with
 * the stub's address in %rbx and its C arguments in their registers except
 * the fourth: sysretq loads %rcx with the return address, so it comes in %r10.
 */
_start:
__python_call:
	movq	%r10, %rcx
	call	*%rbx
	.globl	__python_return
__python_return:
	nop					# hooked: the host collects %rax here
	# Give the cpu back until the next call. Unicorn enters ring 0 only
	# through the gate, so the process parks in the kernel, as any task
	# that yields does; the next call discards that kernel stack.
	movl	$__NR_sched_yield, %eax
	syscall
	.globl	__python_parked
__python_parked:				# the parking call's return address: tracers skip it
	ud2
"""


class NotOnThisMachine(RuntimeError):
    """A call that a Python program cannot make on the emulated machine."""


class ProcessExit(SystemExit):
    """The emulated process ended (exit, exit_group, a signal): the program ends too."""

    def __init__(self, status: ExitStatus) -> None:
        super().__init__(status.code if status.signal is None else 128 + status.signal)
        self.status = status


class EmulatedBackend:
    """Runs each call of syscalltbl.libc in one process of `machine`."""

    def __init__(
        self,
        machine: Machine,
        argv: Sequence[str | bytes] = ("python",),
        envp: Sequence[str | bytes] = (),
        *,
        exe: bytes | None = None,
        cwd: bytes = b"/",
        timeout: float = 3600.0,
    ) -> None:
        self.machine = machine
        self.timeout = timeout
        syscalls = list(machine.kernel.syscalls)
        prototypes = load_prototypes(machine.target.prototypes)
        stubs = render_userlib(syscalls, prototypes, source="sys_call_table", protos="syscalls_64.h")
        unistd = render_unistd_64(syscalls, source="sys_call_table")
        sources = {"host.S": '\t.include "unistd_64.inc"\n' + HOST_PROGRAM, "stubs.S": stubs["stubs.S"],
                   "unistd_64.inc": unistd}
        elf = build_elf(sources, linker_script=None, name="python")
        self.task: Task = machine.start(elf, list(argv), list(envp), exe=exe, cwd=cwd)
        symbols = machine.kernel.table  # names, numbers: bound once into tuples, as the dispatcher is
        image_symbols = read_image(elf).symbols
        self.stubs = tuple(image_symbols.get(e.name, 0) if e.number >= 0 else 0 for e in symbols)
        self.refused = frozenset(e.number for e in symbols if e.name in REFUSED)
        self.generic = image_symbols["syscall"]
        self.exit_group = next((e.number for e in symbols if e.name == "exit_group" and e.number >= 0), None)
        self.entry = image_symbols["__python_call"]
        self.errno = image_symbols["errno"]
        self.returned = False
        self.rax = 0
        self.read_rax = machine.cpu.reg_reader(x86.UC_X86_REG_RAX)
        regs = self.task.pt_regs()
        self.sp = (regs["sp"] - 256) & ~15  # below argc/argv/envp/auxv, which stay intact
        self.arena = self.arena_size = 0
        machine.cpu.on_code(image_symbols["__python_return"], self._on_return)
        mark_internal(self.task, image_symbols["__python_parked"])  # not the program's call

    def exit(self, code: int) -> None:
        """End the process as the interpreter does when the program ends: exit_group(code).

        The call runs in the process, so a tracer shows `exit_group(3) = ?`
        and `+++ exited with 3 +++`, as strace does for `sys.exit(3)`.
        Nothing when the process has already ended (its own exit call, a signal).
        """
        if self.task.status is not None:
            return
        if self.exit_group is not None:
            with contextlib.suppress(ProcessExit):
                self.syscall(self.exit_group, (code,))
        if self.task.status is None:  # a table without exit_group, or a project's that returned
            self.task.exit(code)

    def _on_return(self) -> None:
        self.rax = self.read_rax()
        self.returned = True  # the sched_yield that follows stops the cpu

    # -- arguments in user memory --

    def _reserve(self, size: int) -> None:
        if size <= self.arena_size:
            return
        mm = self.task.mm
        if self.arena_size:
            mm.remove_range(self.arena, self.arena + self.arena_size)
        length = page_up(max(size, ARENA))
        start = mm.unmapped_area(length)
        if start is None:
            raise MemoryError(f"no room for {length} bytes of arguments in the emulated process")
        mm.add_vma(start, start + length, read=True, write=True, execute=False, name="[python]")
        self.arena, self.arena_size = start, length

    def _place(self, args: tuple[Arg, ...]) -> tuple[list[int], list[tuple[int, memoryview, int]]]:
        """Copy the arguments in: (register words, [(address, buffer, size) to copy back])."""
        def size_of(a: Arg) -> int:
            if isinstance(a, In):
                return len(a.data) + 16
            if isinstance(a, Out):
                return a.size + 16
            if isinstance(a, Vec):
                return 16 * len(a.bufs) + sum(len(b) + 16 for b in a.bufs) + 16
            if isinstance(a, Strings):
                return 8 * (len(a.items) + 1) + sum(len(s) + 16 for s in a.items) + 16
            return 0

        self._reserve(sum(size_of(a) for a in args))
        mm, cursor = self.task.mm, self.arena
        back: list[tuple[int, memoryview, int]] = []

        def put(data: bytes | memoryview) -> int:
            nonlocal cursor
            at = cursor
            copy_to_user(mm, at, data)
            cursor = (cursor + len(data) + 15) & ~15
            return at

        words = []
        for a in args:
            if isinstance(a, int):
                words.append(a & MASK64)
            elif isinstance(a, In):
                words.append(put(a.data))
            elif isinstance(a, Out):
                at = put(a.buf[: a.size])
                back.append((at, a.buf, a.size))
                words.append(at)
            elif isinstance(a, Vec):
                iov = b""
                for buf in a.bufs:
                    at = put(buf)
                    if a.out:
                        back.append((at, buf, len(buf)))
                    iov += struct.pack("<QQ", at, len(buf))
                words.append(put(iov) if iov else cursor)
            else:
                pointers = [put(s) for s in a.items]
                words.append(put(struct.pack(f"<{len(pointers) + 1}Q", *pointers, 0)))
        return words, back

    # -- the call --

    def syscall(self, nr: int, args: tuple[Arg, ...]) -> int:
        task = self.task
        if task.status is not None:
            raise ProcessExit(task.status)
        if nr in self.refused:
            raise NotOnThisMachine(
                f"system call {nr} ({self.machine.kernel.table[nr].name}) would copy or replace the process, "
                "but a Python program's interpreter runs on the host: run an ELF program for that"
            )
        words, back = self._place(args)
        words += [0] * (6 - len(words))
        stub = self.stubs[nr] if 0 <= nr < len(self.stubs) else 0
        if stub:
            c_args = words
        else:  # a hole or a number past the table: long syscall(long number, ...)
            stub, c_args = self.generic, [nr & MASK64, *words[:5]]
            copy_to_user(task.mm, self.sp, struct.pack("<Q", words[5]))  # the sixth, on the stack
        regs = dict.fromkeys(abi.PT_REGS, 0)
        regs.update(ip=self.entry, cx=self.entry, cs=abi.USER_CS, ss=abi.USER_DS, sp=self.sp,
                    flags=USER_RFLAGS, r11=USER_RFLAGS, bx=stub)
        regs.update(zip(("di", "si", "dx", "r10", "r8", "r9"), c_args, strict=True))
        task.set_pt_regs(regs)
        task.fresh, task.sleep = True, None  # out of the kernel stack it parked on
        self.returned = False
        self.machine.run_until(lambda: self.returned or task.status is not None, self.timeout)
        if task.status is not None:
            self.machine.kill_all()
            raise ProcessExit(task.status)
        for at, buf, size in back:
            buf[:size] = copy_from_user(task.mm, at, size)
        ret = self.rax - (1 << 64) if self.rax >> 63 else self.rax
        if ret == -1:  # the stub's libc convention: -1 and errno
            return -int.from_bytes(copy_from_user(task.mm, self.errno, 4), "little", signed=True)
        return ret
