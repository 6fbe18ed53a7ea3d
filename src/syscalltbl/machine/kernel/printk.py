"""The kernel's log (kernel/printk/printk.c): a bounded ring of records, syslog(2)'s reader state, the levels.

The machine's kernel logs as Linux does at boot (its version line); each
record is kept as the text syslog(2) reads, "<level>[seconds] message\\n".
The ring holds at most LOG_BUF_LEN bytes of records: the oldest go first.
`syslog_seq` is the destructive reader's place (SYSLOG_ACTION_READ),
`clear_seq` where SYSLOG_ACTION_CLEAR left the non-destructive one.
The console levels are the tunables' (Sysctl.console_printk, /proc/sys/kernel/printk).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Final

from syscalltbl.machine.kernel.sysctl import OSRELEASE, VERSION
from syscalltbl.store.record import Value

#: 1 << CONFIG_LOG_BUF_SHIFT (17, x86-64 defconfig's): what SYSLOG_ACTION_SIZE_BUFFER answers.
LOG_BUF_LEN: Final = 1 << 17
LOGLEVEL_NOTICE: Final = 5


class KernelLog(Value):
    """The records with their sequence numbers and the readers' places."""

    records: deque[tuple[int, bytes]]
    next_seq: int
    size: int  # bytes the records hold
    syslog_seq: int
    syslog_partial: int  # bytes of the record at syslog_seq a READ already returned
    clear_seq: int
    started: float

    _fields = ("records", "next_seq", "size", "syslog_seq", "syslog_partial", "clear_seq", "started")

    def __init__(
        self,
        records: deque[tuple[int, bytes]] | None = None,
        next_seq: int = 0,
        size: int = 0,
        syslog_seq: int = 0,
        syslog_partial: int = 0,
        clear_seq: int = 0,
        started: float | None = None,
    ) -> None:
        self.records = deque() if records is None else records
        self.next_seq = next_seq
        self.size = size
        self.syslog_seq = syslog_seq
        self.syslog_partial = syslog_partial
        self.clear_seq = clear_seq
        self.started = time.monotonic() if started is None else started
        self.__post_init__()

    def __post_init__(self) -> None:
        self.printk(LOGLEVEL_NOTICE, b"Linux version " + OSRELEASE + b" (syscalltbl) " + VERSION)

    def printk(self, level: int, message: bytes) -> None:
        """Append a record, dropping the oldest while the ring is over LOG_BUF_LEN."""
        stamp = time.monotonic() - self.started
        text = b"<%d>[%5d.%06d] %s\n" % (level, int(stamp), int(stamp % 1 * 1e6), message[: LOG_BUF_LEN // 4])
        self.records.append((self.next_seq, text))
        self.next_seq += 1
        self.size += len(text)
        while self.size > LOG_BUF_LEN:
            seq, old = self.records.popleft()
            self.size -= len(old)
            if self.syslog_seq <= seq:
                self.syslog_seq, self.syslog_partial = seq + 1, 0

    @property
    def first_seq(self) -> int:
        return self.records[0][0] if self.records else self.next_seq

    def since(self, seq: int) -> list[bytes]:
        """The texts of the records from `seq` on (the oldest kept, if that one is gone)."""
        return [text for s, text in self.records if s >= seq]

    def unread(self) -> int:
        """SYSLOG_ACTION_SIZE_UNREAD: what READ would return, all told."""
        return sum(len(text) for text in self.since(self.syslog_seq)) - self.syslog_partial

    def read(self, count: int) -> bytes:
        """SYSLOG_ACTION_READ's copy (the caller waited for a record): whole records while they fit,
        else the part of the first one that does, the rest of it kept for the next read."""
        out = bytearray()
        for seq, text in self.records:
            if seq < self.syslog_seq:
                continue
            piece = text[self.syslog_partial :]
            if len(out) + len(piece) > count:
                if not out:  # one record longer than the buffer: it is read in parts
                    out += piece[:count]
                    self.syslog_partial += count
                break
            out += piece
            self.syslog_seq, self.syslog_partial = seq + 1, 0
        return bytes(out)

    def read_all(self, count: int) -> bytes:
        """SYSLOG_ACTION_READ_ALL: the newest records since the last clear that fit in `count` bytes."""
        texts = self.since(self.clear_seq)
        total = 0
        start = len(texts)
        while start and total + len(texts[start - 1]) <= count:
            start -= 1
            total += len(texts[start])
        return b"".join(texts[start:])

    def clear(self) -> None:
        self.clear_seq = self.next_seq
