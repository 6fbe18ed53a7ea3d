"""uname, sysinfo, prctl and arch_prctl."""

from __future__ import annotations

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64.abi import MSR_KERNEL_GS_BASE, TASK_SIZE_MAX
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import uptime
from syscalltbl.machine.kernel.uaccess import copy_to_user, strncpy_from_user
from syscalltbl.machine.syscalls.prctl_options import OPTIONS as PRCTL_OPTIONS
from syscalltbl.machine.syscalls.prctl_options import do_prctl_options
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENODEV, EPERM, Errno
from syscalltbl.machine.uapi.misc import TASK_COMM_LEN
from syscalltbl.machine.uapi.prctl import (
    ARCH_GET_CPUID,
    ARCH_GET_FS,
    ARCH_GET_GS,
    ARCH_SET_CPUID,
    ARCH_SET_FS,
    ARCH_SET_GS,
    PR_CAP_AMBIENT,
    PR_CAPBSET_DROP,
    PR_CAPBSET_READ,
    PR_GET_DUMPABLE,
    PR_GET_KEEPCAPS,
    PR_GET_NAME,
    PR_GET_PDEATHSIG,
    PR_GET_SECUREBITS,
    PR_SET_DUMPABLE,
    PR_SET_KEEPCAPS,
    PR_SET_NAME,
    PR_SET_PDEATHSIG,
    PR_SET_SECUREBITS,
)
from syscalltbl.machine.uapi.structs import SYSINFO
from syscalltbl.machine.uapi.time import CLOCK_BOOTTIME

# include/uapi/linux/prctl.h
# struct sysinfo (x86-64): uptime, loads[3], six memory sizes, procs, then highmem and mem_unit.


@syscall("sys_newuname")
def sys_newuname(t: Task, name: int, *_: int) -> int:
    copy_to_user(t.mm, name, b"".join(field.ljust(65, b"\0") for field in t.nsproxy.uts.utsname()))
    return 0


@syscall("sys_sysinfo")
def sys_sysinfo(t: Task, info: int, *_: int) -> int:
    """kernel/sys.c do_sysinfo: the machine's uptime, RAM and processes; no swap, and loads of 0."""
    import math  # here: sysinfo is rare, and a run imports this family for prctl

    machine = t.machine
    ram = machine.ram
    up = math.ceil(uptime(t.nsproxy.time.offset_ns(CLOCK_BOOTTIME)))  # whole seconds, a started one counted
    copy_to_user(t.mm, info, SYSINFO.pack(up, 0, 0, 0, ram.size, ram.free_bytes, 0, 0, 0, 0,
                                           min(len(machine.tasks), 0xFFFF), 0, 0, 0, 1))
    return 0


@syscall("sys_prctl")
def sys_prctl(t: Task, option: int, arg2: int, arg3: int, arg4: int, arg5: int, *_: int) -> int:
    """The options a libc and a shell use; the rest are EINVAL, as for an unknown option."""
    option &= 0xFFFFFFFF
    if option == PR_SET_NAME:
        t.comm = strncpy_from_user(t.mm, arg2, TASK_COMM_LEN - 1)
        return 0
    if option == PR_GET_NAME:
        copy_to_user(t.mm, arg2, t.comm.ljust(TASK_COMM_LEN, b"\0"))
        return 0
    if option == PR_SET_PDEATHSIG:
        if not 0 <= arg2 <= 64:
            raise Errno(EINVAL)
        t.pdeath_signal = arg2  # sent when the parent exits (do_exit)
        return 0
    if option == PR_GET_PDEATHSIG:
        copy_to_user(t.mm, arg2, t.pdeath_signal.to_bytes(4, "little"))
        return 0
    if option == PR_GET_DUMPABLE:
        return t.dumpable
    if option == PR_SET_DUMPABLE:
        if arg2 not in (0, 1):
            raise Errno(EINVAL)
        t.dumpable = arg2  # inherited by fork, back to 1 at execve
        return 0
    if option == PR_CAP_AMBIENT:
        from syscalltbl.machine.syscalls.cred import do_prctl_ambient  # here: a prctl rarely asks the cred family

        return do_prctl_ambient(t, arg2, arg3, arg4, arg5)
    if option in (PR_GET_KEEPCAPS, PR_SET_KEEPCAPS, PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_GET_SECUREBITS,
                  PR_SET_SECUREBITS):
        from syscalltbl.machine.syscalls.cred import do_prctl_caps

        return do_prctl_caps(t, option, arg2)
    if option in PRCTL_OPTIONS:
        return do_prctl_options(t, option, arg2, arg3, arg4, arg5)
    raise Errno(EINVAL)


@syscall("sys_arch_prctl")
def sys_arch_prctl(t: Task, option: int, addr: int, *_: int) -> int:
    cpu = t.cpu
    # While in the kernel the user's GS base sits in MSR_KERNEL_GS_BASE: entry did swapgs.
    if option in (ARCH_SET_FS, ARCH_SET_GS):
        if addr >= TASK_SIZE_MAX:
            raise Errno(EPERM)
        if option == ARCH_SET_FS:
            cpu.set_reg(x86.UC_X86_REG_FS_BASE, addr)
        else:
            cpu.set_msr(MSR_KERNEL_GS_BASE, addr)
        return 0
    if option == ARCH_GET_CPUID:
        return 1  # CPUID executes (it never faults here)
    if option == ARCH_SET_CPUID:
        raise Errno(ENODEV)  # the cpu has no CPUID faulting (/proc/cpuinfo shows no cpuid_fault)
    if option == ARCH_GET_FS:
        value = cpu.reg(x86.UC_X86_REG_FS_BASE)
    elif option == ARCH_GET_GS:
        value = cpu.msr(MSR_KERNEL_GS_BASE)
    else:
        raise Errno(EINVAL)
    copy_to_user(t.mm, addr, value.to_bytes(8, "little"))
    return 0
