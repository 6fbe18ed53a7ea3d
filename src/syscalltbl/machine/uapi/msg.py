"""System V message queues: numbers and structures (include/uapi/linux/msg.h, asm-generic/msgbuf.h), x86-64's."""

from __future__ import annotations

import struct
from typing import Final

MSG_STAT: Final = 11
MSG_INFO: Final = 12
MSG_STAT_ANY: Final = 13

MSG_NOERROR: Final = 0o10000  # msgrcv: cut a message too long for the buffer instead of E2BIG
MSG_EXCEPT: Final = 0o20000  # msgrcv: the first message whose type is not msgtyp
MSG_COPY: Final = 0o40000  # msgrcv: copy the msgtyp-th message, leaving it queued

# The defaults (include/uapi/linux/msg.h): kernel.msgmni, msgmax, msgmnb.
MSGMNI: Final = 32000
MSGMAX: Final = 8192
MSGMNB: Final = 16384
MSGPOOL: Final = MSGMNI * MSGMNB // 1024
MSGTQL: Final = MSGMNB
MSGMAP: Final = MSGMNB
MSGSSZ: Final = 16
MSGSEG: Final = 0xFFFF

#: struct msqid64_ds (120 bytes): msg_perm (ipc64_perm), msg_stime, msg_rtime, msg_ctime, msg_cbytes,
#: msg_qnum, msg_qbytes, msg_lspid, msg_lrpid, __unused4, __unused5.
MSQID64_DS: Final = struct.Struct("<iIIIIIHxx4xQQ" "qqq" "QQQ" "ii" "QQ")
#: struct msginfo: msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg (unsigned short).
MSGINFO: Final = struct.Struct("<7iH2x")
#: struct msgbuf's head: mtype (long), then the text.
MTYPE: Final = struct.Struct("<q")
