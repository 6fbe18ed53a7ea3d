"""Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), host-independent, and Errno."""

from __future__ import annotations

from typing import Final

# errno-base.h
EPERM: Final = 1
ENOENT: Final = 2
ESRCH: Final = 3
EINTR: Final = 4
EIO: Final = 5
ENXIO: Final = 6
E2BIG: Final = 7
ENOEXEC: Final = 8
EBADF: Final = 9
ECHILD: Final = 10
EAGAIN: Final = 11
ENOMEM: Final = 12
EACCES: Final = 13
EFAULT: Final = 14
ENOTBLK: Final = 15
EBUSY: Final = 16
EEXIST: Final = 17
EXDEV: Final = 18
ENODEV: Final = 19
ENOTDIR: Final = 20
EISDIR: Final = 21
EINVAL: Final = 22
ENFILE: Final = 23
EMFILE: Final = 24
ENOTTY: Final = 25
ETXTBSY: Final = 26
EFBIG: Final = 27
ENOSPC: Final = 28
ESPIPE: Final = 29
EROFS: Final = 30
EMLINK: Final = 31
EPIPE: Final = 32
EDOM: Final = 33
ERANGE: Final = 34
# errno.h
EDEADLK: Final = 35
ENAMETOOLONG: Final = 36
ENOLCK: Final = 37
ENOSYS: Final = 38
ENOTEMPTY: Final = 39
ELOOP: Final = 40
ENOMSG: Final = 42
EIDRM: Final = 43
ECHRNG: Final = 44
EL2NSYNC: Final = 45
EL3HLT: Final = 46
EL3RST: Final = 47
ELNRNG: Final = 48
EUNATCH: Final = 49
ENOCSI: Final = 50
EL2HLT: Final = 51
EBADE: Final = 52
EBADR: Final = 53
EXFULL: Final = 54
ENOANO: Final = 55
EBADRQC: Final = 56
EBADSLT: Final = 57
EBFONT: Final = 59
ENOSTR: Final = 60
ENODATA: Final = 61
ETIME: Final = 62
ENOSR: Final = 63
ENONET: Final = 64
ENOPKG: Final = 65
EREMOTE: Final = 66
ENOLINK: Final = 67
EADV: Final = 68
ESRMNT: Final = 69
ECOMM: Final = 70
EPROTO: Final = 71
EMULTIHOP: Final = 72
EDOTDOT: Final = 73
EBADMSG: Final = 74
EOVERFLOW: Final = 75
ENOTUNIQ: Final = 76
EBADFD: Final = 77
EREMCHG: Final = 78
ELIBACC: Final = 79
ELIBBAD: Final = 80
ELIBSCN: Final = 81
ELIBMAX: Final = 82
ELIBEXEC: Final = 83
EILSEQ: Final = 84
ERESTART: Final = 85
ESTRPIPE: Final = 86
EUSERS: Final = 87
ENOTSOCK: Final = 88
EDESTADDRREQ: Final = 89
EMSGSIZE: Final = 90
EPROTOTYPE: Final = 91
ENOPROTOOPT: Final = 92
EPROTONOSUPPORT: Final = 93
ESOCKTNOSUPPORT: Final = 94
EOPNOTSUPP: Final = 95
EPFNOSUPPORT: Final = 96
EAFNOSUPPORT: Final = 97
EADDRINUSE: Final = 98
EADDRNOTAVAIL: Final = 99
ENETDOWN: Final = 100
ENETUNREACH: Final = 101
ENETRESET: Final = 102
ECONNABORTED: Final = 103
ECONNRESET: Final = 104
ENOBUFS: Final = 105
EISCONN: Final = 106
ENOTCONN: Final = 107
ESHUTDOWN: Final = 108
ETOOMANYREFS: Final = 109
ETIMEDOUT: Final = 110
ECONNREFUSED: Final = 111
EHOSTDOWN: Final = 112
EHOSTUNREACH: Final = 113
EALREADY: Final = 114
EINPROGRESS: Final = 115
ESTALE: Final = 116
EUCLEAN: Final = 117
ENOTNAM: Final = 118
ENAVAIL: Final = 119
EISNAM: Final = 120
EREMOTEIO: Final = 121
EDQUOT: Final = 122
ENOMEDIUM: Final = 123
EMEDIUMTYPE: Final = 124
ECANCELED: Final = 125
ENOKEY: Final = 126
EKEYEXPIRED: Final = 127
EKEYREVOKED: Final = 128
EKEYREJECTED: Final = 129
EOWNERDEAD: Final = 130
ENOTRECOVERABLE: Final = 131
ERFKILL: Final = 132
# include/linux/errno.h: never seen by user space, but a handler may raise it.
ENOTSUPP: Final = 524


class Errno(Exception):
    """Raised by a kernel service; the dispatcher turns it into -errno."""

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno
