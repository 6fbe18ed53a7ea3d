"""The kernel fuzzer: a short clean run, and the checker catching injected bugs."""

from __future__ import annotations

import re
import struct
from typing import Any

import pytest

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_P, PTE_RW, PTE_US
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.signals import siginfo
from syscalltbl.machine.tools.fuzz import HOLE, SCRATCH, Fuzzer
from syscalltbl.machine.tools.fuzzshapes import word_at
from syscalltbl.machine.uapi.futex import FUTEX_WAIT
from syscalltbl.machine.uapi.poll import POLLPRI
from syscalltbl.machine.uapi.signal import SI_USER, SIGPIPE, SIGSEGV


def test_one_hundred_thousand_calls_without_violation() -> None:
    # The bar, in every CI run: 50 to 90 s here (threads, forks and their checks included).
    report = Fuzzer(1, 100_000).run()
    assert (report.calls, report.violations) == (100_000, [])


def test_two_thousand_calls_without_violation() -> None:
    report = Fuzzer(7, 2000).run()
    assert (report.calls, report.violations) == (2000, [])
    assert len(report.by_name) > 300


def leak_kernel_frame(t: Task, *_: int) -> int:
    """A broken getppid: maps the kernel's first frame into the caller's scratch area."""
    kernel_pa = t.machine.kmm.kernel_frame(t.machine.kernel.symbol("entry_SYSCALL_64")) & ~(PAGE_SIZE - 1)
    t.mm.set_pte(SCRATCH, kernel_pa | PTE_P | PTE_US | PTE_RW)
    return 0


def test_checker_reports_a_user_page_on_a_kernel_frame() -> None:
    report = Fuzzer(7, 2000, handlers={"sys_getppid": leak_kernel_frame}).run()
    first = report.violations[0]
    assert first.call == "getppid()"
    assert first.problem.startswith(f"user page {SCRATCH:#x} -> frame ") and first.problem.endswith(
        " maps a kernel frame")


def crash(_t: Task, *_: int) -> int:
    raise KeyError("boom")


def test_checker_reports_a_host_exception() -> None:
    # Several calls that take no arguments raise: whichever calls a seed makes (new prototypes change them),
    # 500 of them reach one.
    crashing = ("sys_getuid", "sys_geteuid", "sys_getgid", "sys_getegid", "sys_getpgrp", "sys_getppid")
    report = Fuzzer(7, 500, handlers=dict.fromkeys(crashing, crash)).run()
    assert report.violations and all(v.problem == "host exception KeyError: 'boom'" for v in report.violations)
    assert report.calls == 500


def test_huge_counts_and_brk_over_a_mapping_reproducers() -> None:
    # Seed 1 once raised OutOfMemory at call 5223 (write of 2 GiB from its scratch
    # area) and grew brk over a mapping at call 9205: without the file steps, which came later.
    report = Fuzzer(1, 9205, files=False).run()
    assert (report.calls, report.violations) == (9205, [])


class Scripted(Fuzzer):
    """The random calls, except one given call at a given index."""

    def __init__(self, seed: int, count: int, at: int, name: str, args: list[int], **kwargs: Any) -> None:
        super().__init__(seed, count, **kwargs)
        self.at, self.name, self.args = at, name, args

    def _generate(self) -> tuple[str, list[int]]:
        if self.index + 1 != self.at:
            return super()._generate()
        nr = next(e.number for e in self.machine.kernel.table if e.name == self.name)
        return f"{self.name}({', '.join(hex(a) for a in self.args)})", [nr, *self.args]


def test_unmapping_its_own_program_is_no_violation() -> None:
    # Linux kills a process that unmaps its own code; the fuzzer starts a fresh machine and goes on.
    report = Scripted(7, 300, 100, "munmap", [0, 1 << 31, 0, 0, 0, 0]).run()
    assert (report.calls, report.violations, report.self_unmapped) == (300, [], 1)


def unmap_everything(t: Task, *_: int) -> int:
    """A broken getppid: unmaps the caller's program."""
    t.mm.remove_range(0, 1 << 31)
    t.cpu.flush_tlb()
    return 0


def test_a_call_that_unmaps_the_program_behind_its_back_is_a_violation() -> None:
    report = Fuzzer(7, 2000, handlers={"sys_getppid": unmap_everything}).run()
    assert report.violations and report.self_unmapped == 0
    assert report.violations[0].call == "getppid()"
    assert report.violations[0].problem.startswith("the fuzzing process was killed: SIGSEGV")


class PollOnTheHostsNull(Scripted):
    """At call `at`: poll(fd 0, the host's /dev/null, for POLLPRI only, 600 s), which never becomes ready."""

    POLLFD = SCRATCH + 0x800

    def __init__(self, seed: int, count: int, at: int) -> None:
        super().__init__(seed, count, at, "poll", [self.POLLFD, 1, 600_000, 0, 0, 0])

    def _generate(self) -> tuple[str, list[int]]:
        if self.index + 1 == self.at:
            self.task.mm.poke(self.POLLFD, struct.pack("<ihh", 0, POLLPRI, 0))
        return super()._generate()


def test_a_long_wait_on_a_host_descriptor_is_interrupted_not_waited_for() -> None:
    # Its 10 ms rechecks once kept the run going for the whole timeout.
    report = PollOnTheHostsNull(7, 300, 100).run()
    assert (report.calls, report.violations) == (300, [])
    assert report.interrupted >= 1 and report.seconds < 60


def test_a_signal_from_a_task_with_a_large_uid() -> None:
    # setuid(0xfffffffe), then SIGPIPE: si_uid is a uid_t, unsigned (it once raised struct.error).
    info = siginfo(SIGPIPE, SI_USER, 7, 0xFFFFFFFE)
    assert struct.unpack_from("<iiiiiI", info) == (SIGPIPE, 0, SI_USER, 0, 7, 0xFFFFFFFE)


def test_threads_forks_futexes_and_shared_maps_without_violation() -> None:
    # clone with glibc's thread flags and a stack in the scratch area, forks, vforks, clone3, futex ops on its
    # words and in MAP_SHARED areas, futex_waitv, shared anonymous and file mappings; children make calls too.
    report = Fuzzer(3, 6000).run()
    assert (report.calls, report.violations) == (6000, [])
    made = [report.by_name.get(n, 0) for n in ("clone", "clone3", "fork", "vfork", "futex", "futex_waitv")]
    assert min(made) >= 1 and sum(made) >= 30, made
    assert report.child_calls > 0


def count_one_more_user(t: Task, *_: int) -> int:
    """A broken getppid: counts a user of the caller's address space that does not exist (a leak)."""
    t.mm.users += 1
    return 0


def test_checker_reports_an_address_space_with_users_miscounted() -> None:
    report = Fuzzer(7, 500, handlers={"sys_getppid": count_one_more_user}).run()
    first = report.violations[0]
    assert first.call == "getppid()"
    match = re.fullmatch(r"an address space used by (\d+) live tasks has users (\d+)", first.problem)
    assert match is not None and int(match[2]) == int(match[1]) + 1


def share_a_scratch_frame(t: Task, *_: int) -> int:
    """A broken getppid: one more holder of a private frame, which would then never be freed."""
    t.mm.fault_in(SCRATCH, True)
    frame = t.mm.lookup(SCRATCH) & PTE_ADDR
    t.machine.ram.share(frame)
    return 0


def test_checker_reports_a_frame_with_holders_miscounted() -> None:
    report = Fuzzer(7, 500, handlers={"sys_getppid": share_a_scratch_frame}).run()
    first = report.violations[0]
    assert first.call == "getppid()"
    # Also reported: the writable private page now looks like a shared one; the holders' count says what is wrong.
    counts = [v.problem for v in report.violations if v.index == first.index and v.problem.startswith("frame ")]
    assert len(counts) == 1 and counts[0].endswith(" counts 2 holders, 1 hold it")



class ChildrenGoAstray(Fuzzer):
    """Its threads wait on a futex nobody wakes; its forked processes unmap their own program and run on
    into unmapped memory."""

    def __init__(self, seed: int, count: int, *, files: bool) -> None:
        super().__init__(seed, count, files=files)
        self.threads: list[Task] = []
        self.forked: list[Task] = []

    def _child_next(self, task: Task) -> None:
        word = self.shaper.layout.words
        if task.group is self.task.group:
            # No timeout; only a wake the fuzzer happens to make on that word ends it, and it waits again.
            words = [self.numbers["futex"], word, FUTEX_WAIT, word_at(task.mm, word), 0, 0, 0]
            self.threads += [task] if task not in self.threads else []
        elif task.mm is self.task.mm:  # a vfork child: on Linux too its parent would wait for it for good
            words = [self.numbers["exit_group"], 0, 0, 0, 0, 0, 0]
        else:
            words = [self.numbers["munmap"], 0, 1 << 31, 0, 0, 0, 0]  # its next instruction fetch faults
            self.forked += [task] if task not in self.forked else []
        self._write(words, task)


def test_children_that_hang_or_run_off_do_not_stop_the_fuzzer() -> None:
    # A seed whose calls make both threads and forked children (which ones depends on the prototypes too,
    # and on the file steps, left out so the seed keeps its calls).
    fuzzer = ChildrenGoAstray(2, 3000, files=False)
    report = fuzzer.run()
    assert (report.calls, report.violations) == (3000, [])
    assert fuzzer.forked and all(t.status is not None and t.status.signal == SIGSEGV for t in fuzzer.forked)
    assert fuzzer.threads and all(t.status is not None for t in fuzzer.threads)  # the fuzzer's exit_group ended them


def forget_a_holder_of_a_shared_frame(t: Task, *_: int) -> int:
    """A broken getppid: maps a shared anonymous page, then lets go of its frame once too often (the next
    free would hand the page to another owner while this mapping and the object still use it)."""
    obj = SharedAnon(t.machine.ram, PAGE_SIZE)
    t.mm.add_vma(HOLE, HOLE + PAGE_SIZE, read=True, write=True, execute=False, shared=True, backing=obj)
    t.mm.fault_in(HOLE, True)
    frame = t.mm.lookup(HOLE) & PTE_ADDR
    t.machine.ram.free(frame)
    return 0


def test_checker_reports_a_shared_frame_with_a_holder_missing() -> None:
    report = Fuzzer(7, 500, handlers={"sys_getppid": forget_a_holder_of_a_shared_frame}).run()
    first = report.violations[0]
    assert first.call == "getppid()"
    assert first.problem.startswith("frame ") and first.problem.endswith(" counts 1 holders, 2 hold it")


def test_file_mappings_truncates_and_touches_without_violation() -> None:
    # mmap of its file at offsets, private and shared, MAP_FIXED over its areas, mprotect and munmap
    # splitting them, msync, truncates under them, and touches whose SIGSEGV or SIGBUS was predicted.
    report = Fuzzer(5, 4000).run()
    assert (report.calls, report.violations) == (4000, [])
    assert report.file_steps > 300 and report.touches > 20 and report.touch_faults >= 1


def test_checker_reports_a_private_write_that_reaches_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that forgets copy-on-write: a MAP_PRIVATE page written in place, its file's page with it.

    The fuzzer's own data segment is such a page (exec maps it privately from the program's file): the
    frame checker reports it at the first call, a page of the file's cache that a process may write."""
    monkeypatch.setattr(Mm, "_private_copy", lambda _mm, frame: frame)
    problems = [v.problem for v in Fuzzer(7, 50).run().violations]
    assert problems, "no violation reported"
    assert re.fullmatch(r"user page 0x[0-9a-f]+ -> frame 0x[0-9a-f]+: a page-cache frame, shared with other "
                        r"processes, is writable", problems[0]), problems
