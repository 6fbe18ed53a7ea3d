"""Setting the time (issue 17): clock_settime, settimeofday, adjtimex and clock_adjtime move the machine's own
CLOCK_REALTIME and NTP state, with Linux's errors.

settime.c without an argument makes only the calls Linux refuses (and reads), so it is held to a native run
without touching the host's clock; with "set" it steps the machine's clock, which every reader (the vDSO,
the syscalls, time, gettimeofday) must then see, and sets the NTP state, read back as Linux clamps it.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import assert_as_on_a_tmpfs, machine_root

FACTS = (
    "settime MONOTONIC: EINVAL",
    "settime PROCESS_CPUTIME: EINVAL",
    "settime pid 1 cpu clock: EPERM",
    "settime REALTIME NULL: EFAULT",
    "settime nsec -1: EINVAL",
    "settimeofday zone 16h: EINVAL",
    "adjtimex read: ok, precision 1 tolerance 32768000, state a TIME_ value",
    "adjtimex tick too small: EINVAL",
    "adjtimex 0x8000 alone: EINVAL",
    "adjtimex huge freq: EINVAL",
    "adjtimex bad pointer: EFAULT",
    "clock_adjtime MONOTONIC: EOPNOTSUPP",
    "clock_adjtime clock 100: EINVAL",
    "nobody settime: EPERM",
    "nobody adjtimex read: ok",
    "nobody adjtime: EPERM",
    "done",
)
STEPS = """\
settime +1 day: ok
cancel-on-set timerfd read: ECANCELED
read again: EAGAIN
absolute timerfd an hour ahead, the clock a day on: ok 1
vdso clock_gettime moved a day: yes
syscall clock_gettime moved a day: yes
gettimeofday moved a day: yes
time moved a day: yes
sys_time moved a day: yes
adjtimex setoffset -1 day: ok
back to the time before: yes
settime before the monotonic clock: EINVAL
settimeofday zone: ok
gettimeofday zone: -120 0
adjtime 200ms: ok, previous 0
adjtime left: about 200ms
adjtimex set: 0 status 0x1 freq 655360 maxerror 16000000 constant 7 tick 10001
offset with PLL: 123
PLL off: 0 status 0
done
"""


def test_refused_settings_answer_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "settime.c"), FACTS)


def test_a_step_of_the_clock_is_seen_by_every_reader(tmp_path: Path) -> None:
    program = build_static(tmp_path, "settime.c")
    machine = run_machine(machine_root(tmp_path / "root", program), program, ("set",)).outcome
    assert (machine.stdout.decode(), machine.status) == (STEPS, 0), machine.text()[-4000:]
