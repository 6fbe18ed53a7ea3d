"""The fuzzer's well-formed credential calls: the set*id family, the groups, capget/capset, faccessat2.

Random 64-bit words make a uid nobody has and a capability header of no
version, so about half of these calls are made the way programs make them:
ids drawn from root, nobody, a user, -1 and the caller's own current ones
(so an unprivileged caller's switches back to a saved id happen too), group
lists of a few small gids, capget/capset headers of each version for the
caller, another process or none, with sets near the caller's own, and
faccessat2 with its flags. The fuzzer starts as root; once a call made it
someone else it stays so until its next machine, and the checks hold all
the same.
"""

from __future__ import annotations

import random
import struct

from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.capability import (
    CAP_FULL_SET,
    LINUX_CAPABILITY_VERSION_1,
    LINUX_CAPABILITY_VERSION_2,
    LINUX_CAPABILITY_VERSION_3,
    NGROUPS_MAX,
    NO_ID,
)
from syscalltbl.machine.uapi.fcntl import AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW

PAGE = 4096
NOBODY = 65534
MASK64 = (1 << 64) - 1
#: The calls shaped here, by table name.
CRED_CALLS = frozenset({
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "getgroups", "capget", "capset", "faccessat2",
})  # fmt: skip
VERSIONS = (LINUX_CAPABILITY_VERSION_1, LINUX_CAPABILITY_VERSION_2, LINUX_CAPABILITY_VERSION_3,
            LINUX_CAPABILITY_VERSION_3, 0x12345678)
GROUP_COUNTS = (0, 1, 3, 32, NGROUPS_MAX, NGROUPS_MAX + 1, -1)
ACCESS_FLAGS = (0, AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_EACCESS | AT_SYMLINK_NOFOLLOW, 0x8000)


class CredShapes:
    """Arguments of the shaped credential calls; their structures go in one page of the scratch area."""

    def __init__(self, rng: random.Random, area: int) -> None:
        self.rng = rng
        self.area = area  # one page: the groups array or the capability header, then its data

    def _id(self, own: tuple[int, ...]) -> int:
        rng = self.rng
        return rng.choice((0, NOBODY, 1000, NO_ID, NO_ID, *own)) if rng.randrange(8) else rng.getrandbits(32)

    def _caps(self, own: int) -> int:
        """A set near `own`: itself, a bit less, a bit more, none, or all."""
        rng = self.rng
        bit = 1 << rng.randrange(41)
        return rng.choice((own, own & ~bit, own | bit, 0, CAP_FULL_SET))

    def shaped(self, name: str, task: Task, victim: int, paths: list[int]) -> list[int] | None:
        """The six arguments for `name`, or None (not one of CRED_CALLS)."""
        rng, mm, cred = self.rng, task.mm, task.cred
        uids = (cred.uid, cred.euid, cred.suid, cred.fsuid)
        gids = (cred.gid, cred.egid, cred.sgid, cred.fsgid)
        if name in ("setuid", "setfsuid"):
            return [self._id(uids), 0, 0, 0, 0, 0]
        if name in ("setgid", "setfsgid"):
            return [self._id(gids), 0, 0, 0, 0, 0]
        if name in ("setreuid", "setresuid"):
            return [self._id(uids), self._id(uids), self._id(uids), 0, 0, 0]
        if name in ("setregid", "setresgid"):
            return [self._id(gids), self._id(gids), self._id(gids), 0, 0, 0]
        if name == "setgroups":
            count = rng.choice(GROUP_COUNTS)
            groups = [rng.choice((0, 1, 5, 100, NOBODY, *gids)) for _ in range(min(max(count, 0), 32))]
            self._poke(mm, struct.pack(f"<{len(groups)}I", *groups))
            return [count & MASK64, self.area if count else rng.choice((0, self.area)), 0, 0, 0, 0]
        if name == "getgroups":
            return [rng.choice((0, 1, 4, 32)), self.area, 0, 0, 0, 0]
        if name in ("capget", "capset"):
            pid = rng.choice((0, 0, task.pid, victim, -1, 99999))
            self._poke(mm, struct.pack("<Ii", rng.choice(VERSIONS), pid))
            sets = (self._caps(cred.cap_effective), self._caps(cred.cap_permitted), self._caps(cred.cap_inheritable))
            data = b"".join(struct.pack("<III", *(s >> 32 * i & 0xFFFFFFFF for s in sets)) for i in range(2))
            self._poke(mm, data, 16)
            return [self.area, rng.choice((self.area + 16, self.area + 16, 0)), 0, 0, 0, 0]
        if name == "faccessat2":
            return [AT_FDCWD & MASK64, rng.choice(paths), rng.randrange(9), rng.choice(ACCESS_FLAGS), 0, 0]
        return None

    def _poke(self, mm: Mm, data: bytes, offset: int = 0) -> None:
        # ValueError (a call unmapped the scratch area) reaches the fuzzer, which makes a random call instead.
        mm.poke(self.area + offset, data)
