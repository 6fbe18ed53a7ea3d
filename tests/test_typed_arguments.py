"""Arguments are typed once, at bind time, from each implementation's prototype (SYSCALL_DEFINE's casts)."""

from __future__ import annotations

import ctypes

import pytest

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.machine.syscalls.registry import typed
from syscalltbl.machine.uapi.ctype import cast, parameter_types

REGISTER = 0xFFFF_FFFF_8000_0001  # high half set, low half negative as an int


@pytest.mark.parametrize(
    ("ctype", "host"),
    [("int", ctypes.c_int), ("unsigned int", ctypes.c_uint), ("long", ctypes.c_long), ("size_t", ctypes.c_size_t),
     ("pid_t", ctypes.c_int), ("uid_t", ctypes.c_uint), ("short", ctypes.c_short), ("umode_t", ctypes.c_ushort),
     ("loff_t", ctypes.c_longlong), ("unsigned long", ctypes.c_ulong), ("u32", ctypes.c_uint32)],
)  # fmt: skip
def test_casts_agree_with_the_hosts_c_types(ctype: str, host: type[ctypes._SimpleCData[int]]) -> None:
    for value in (0, 1, REGISTER, (1 << 64) - 1, 0x7FFF_FFFF, 0x8000_0000):
        assert cast(value, ctype) == host(value).value, (ctype, hex(value))
    assert cast(REGISTER, "char __user *") == REGISTER


def test_parameter_types_of_a_declaration() -> None:
    assert parameter_types("long sys_read(unsigned int fd, char __user *buf, size_t count)") == [
        "unsigned int", "char __user *", "size_t"
    ]  # fmt: skip
    assert parameter_types("long sys_getpid(void)") == []
    assert parameter_types("long sys_x(int, unsigned long)") == ["int", "unsigned long"]


def test_handlers_see_their_c_types() -> None:
    seen: list[tuple[int, ...]] = []

    def handler(_t: Task, *args: int) -> int:
        seen.append(args)
        return 0

    bound = typed(handler, "long sys_kill(pid_t pid, int sig)")
    bound(None, REGISTER, REGISTER, REGISTER, 0, 0, 0)  # type: ignore[arg-type]
    assert seen == [(-0x7FFF_FFFF, -0x7FFF_FFFF, REGISTER, 0, 0, 0)]


def test_calls_without_narrow_arguments_are_bound_as_they_are() -> None:
    getpid = REGISTRY["sys_getpid"]
    assert typed(getpid, "long sys_getpid(void)") is getpid
    assert typed(getpid, "long sys_brk(unsigned long brk)") is getpid
    assert typed(getpid, None) is getpid
