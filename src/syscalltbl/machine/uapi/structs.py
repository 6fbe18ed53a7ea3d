"""The layouts of the structures system calls pass through user memory (x86-64), one `struct.Struct` each.

include/uapi/asm-generic/stat.h (x86-64's struct stat is arch/x86/include/uapi/asm/stat.h),
linux/time_types.h, uio.h, poll.h, resource.h, sysinfo.h, asm-generic/statfs.h, signal.h
and arch/x86/include/uapi/asm/sigcontext.h.
"""

from __future__ import annotations

import struct
from typing import Final

#: struct stat (144 bytes; times are signed, before 1970 too): st_dev, st_ino, st_nlink, st_mode,
#: st_uid, st_gid, (pad), st_rdev, st_size, st_blksize, st_blocks, st_atime(+nsec), st_mtime(+nsec),
#: st_ctime(+nsec), __unused[3].
STAT: Final = struct.Struct("<QQQIIIxxxxQqqqqQqQqQ24x")
#: struct statfs (64-bit words, 120 bytes): f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files,
#: f_ffree, f_fsid, f_namelen, f_frsize, f_flags, f_spare[4].
STATFS: Final = struct.Struct("<qqQQQQQiiqqq32x")
#: struct __kernel_timespec, and struct __kernel_old_timeval / struct timezone (the same two longs).
TIMESPEC: Final = struct.Struct("<qq")
#: struct timezone: tz_minuteswest, tz_dsttime.
TIMEZONE: Final = struct.Struct("<ii")
#: struct timespec[2] and struct timeval[2] (utimensat, utimes, futimesat).
TIMESPEC_PAIR: Final = struct.Struct("<qqqq")
#: struct utimbuf: actime, modtime.
UTIMBUF: Final = struct.Struct("<qq")
#: struct iovec: iov_base, iov_len.
IOVEC: Final = struct.Struct("<QQ")
#: struct pollfd: fd, events, revents.
POLLFD: Final = struct.Struct("<ihh")
#: struct rlimit / struct rlimit64: rlim_cur, rlim_max.
RLIMIT: Final = struct.Struct("<QQ")
#: struct sysinfo: uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap, procs, pad,
#: totalhigh, freehigh, mem_unit.
SYSINFO: Final = struct.Struct("<q3Q6QHH4xQQI4x")
#: sigset_t as the kernel copies it (8 bytes: _NSIG bits).
SIGSET: Final = struct.Struct("<Q")
#: pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; }.
SIGSET_ARGUMENT: Final = struct.Struct("<QQ")
#: stack_t: ss_sp, ss_flags (unsigned: SS_AUTODISARM is bit 31), (pad), ss_size.
STACK: Final = struct.Struct("<QIIQ")
#: struct kernel_sigaction (rt_sigaction's): handler, flags, restorer, mask.
KERNEL_SIGACTION: Final = struct.Struct("<QQQQ")
#: struct sigcontext (64-bit): r8..r15, di, si, bp, bx, dx, ax, cx, sp, ip, flags,
#: cs gs fs ss, err, trapno, oldmask, cr2, fpstate, reserved1[8].
SIGCONTEXT: Final = struct.Struct("<18Q4H5Q64x")
#: loff_t, as sendfile's offset pointer holds it.
LOFF: Final = struct.Struct("<q")
