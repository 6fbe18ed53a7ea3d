"""What System V message queues and semaphore sets share (ipc/util.c): ids, keys, permissions, lookup.

An id is seq * IPC_ID_SEQ + index; a namespace holds its objects by index,
finds them by key for msgget/semget (ipcget), and answers EINVAL for an id
whose index is free or whose seq is stale. Removal (IPC_RMID) marks an
object deleted at once: its waiters then answer EIDRM.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from syscalltbl.machine.kernel.cred import Creds
from syscalltbl.machine.kernel.shm import Perm
from syscalltbl.machine.uapi.capability import CAP_IPC_OWNER, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EACCES, EEXIST, EINVAL, ENOENT, ENOSPC, EPERM, Errno
from syscalltbl.machine.uapi.ipc import IPC_CREAT, IPC_EXCL, IPC_ID_SEQ, IPC_PRIVATE, IPCMNI

S_IRUGO, S_IWUGO = 0o444, 0o222
SEQ_LIMIT = (1 << 31) // IPC_ID_SEQ  # ipcid_seq_max: ids stay positive ints


class IpcObject:
    """kern_ipc_perm and the times every kind has."""

    def __init__(self, perm: Perm) -> None:
        self.perm = perm
        self.id = -1
        self.deleted = False
        self.ctime = int(time.time())

    @property
    def index(self) -> int:
        return self.id % IPC_ID_SEQ

    def permits(self, cred: Creds, flag: int) -> bool:
        """ipcperms: the rwx bits `flag` asks for (in any triad), as the caller's ids see the mode."""
        requested = (flag >> 6 | flag >> 3 | flag) & 0o7
        granted = self.perm.mode
        if cred.euid in (self.perm.cuid, self.perm.uid):
            granted >>= 6
        elif cred.in_group(self.perm.cgid) or cred.in_group(self.perm.gid):
            granted >>= 3
        return not requested & ~granted & 0o7 or cred.capable(CAP_IPC_OWNER)

    def check(self, cred: Creds, flag: int) -> None:
        if not self.permits(cred, flag):
            raise Errno(EACCES)

    def owner_check(self, cred: Creds) -> None:
        """ipcctl_obtain_check: IPC_SET and IPC_RMID are for the owner, the creator or CAP_SYS_ADMIN."""
        if cred.euid not in (self.perm.uid, self.perm.cuid) and not cred.capable(CAP_SYS_ADMIN):
            raise Errno(EPERM)

    def set_perm(self, uid: int, gid: int, mode: int) -> None:
        """ipc_update_perm: the owner and the permission bits."""
        self.perm.uid, self.perm.gid = uid, gid
        self.perm.mode = (self.perm.mode & ~0o777) | (mode & 0o777)
        self.ctime = int(time.time())


T = TypeVar("T", bound=IpcObject)


class IpcIds(Generic[T]):
    """One kind's objects (struct ipc_ids): `limit()` is its *mni tunable, read at each creation."""

    def __init__(self, limit: Callable[[], int], next_id: Callable[[], int]) -> None:
        """`next_id`: the kind's *_next_id sysctl, taken (and reset) at each creation."""
        self.limit = limit
        self.next_id = next_id
        self.objects: dict[int, T] = {}  # index -> object
        self.keys: dict[int, T] = {}  # key -> object, for every key but IPC_PRIVATE
        self._seq = 0
        self._last_index = -1

    def find(self, ident: int) -> T:
        """ipc_obtain_object_check: EINVAL for a negative id, a free index or a stale seq."""
        if ident < 0:
            raise Errno(EINVAL)
        found = self.objects.get(ident % IPC_ID_SEQ)
        if found is None or found.id != ident:
            raise Errno(EINVAL)
        return found

    def by_index(self, ident: int) -> T:
        """*_STAT's lookup (ipc_obtain_object_idr): by the index an id or index names, EINVAL if free."""
        found = self.objects.get(ident % IPC_ID_SEQ) if ident >= 0 else None
        if found is None:
            raise Errno(EINVAL)
        return found

    @property
    def max_index(self) -> int:
        """ipc_get_maxidx: the highest index in use, -1 for none."""
        return max(self.objects, default=-1)

    def lookup(self, key: int, flags: int, cred: Creds, more_checks: Callable[[T], None],
               create: Callable[[Perm], T]) -> int:
        """ipcget: an existing object for `key` (checked), or a new one; its id."""
        if key != IPC_PRIVATE:
            found = self.keys.get(key)
            if found is not None:
                if flags & IPC_CREAT and flags & IPC_EXCL:
                    raise Errno(EEXIST)
                more_checks(found)
                found.check(cred, flags)
                return found.id
            if not flags & IPC_CREAT:
                raise Errno(ENOENT)
        return self.add(create(Perm(key, cred.euid, cred.egid, cred.euid, cred.egid, flags & 0o777, 0)))

    def full(self) -> bool:
        return len(self.objects) >= min(self.limit(), IPCMNI)

    def add(self, obj: T) -> int:
        """ipc_idr_alloc: the next free index after the last one given (idr_alloc_cyclic); the sequence
        number goes up each time the indexes wrap. ENOSPC past the limit."""
        if self.full():
            raise Errno(ENOSPC)
        wanted = self.next_id()
        if wanted >= 0:
            # The id asked for: its seq, and its index or the first free one above it (idr_alloc).
            seq, index = wanted // IPC_ID_SEQ, wanted % IPC_ID_SEQ
            while index in self.objects:
                index += 1
            if index >= IPCMNI:
                raise Errno(ENOSPC)
        else:
            index = (self._last_index + 1) % IPCMNI
            while index in self.objects:
                index = (index + 1) % IPCMNI
            if index <= self._last_index:
                self._seq = (self._seq + 1) % SEQ_LIMIT
            self._last_index = index
            seq = self._seq
        obj.perm.seq = seq
        obj.id = seq * IPC_ID_SEQ + index
        self.objects[index] = obj
        if obj.perm.key != IPC_PRIVATE:
            self.keys[obj.perm.key] = obj
        return obj.id

    def remove(self, obj: T) -> None:
        """ipc_rmid: the id and key go; whoever waits on it sees `deleted`."""
        if self.objects.get(obj.index) is obj:
            del self.objects[obj.index]
        if self.keys.get(obj.perm.key) is obj:
            del self.keys[obj.perm.key]
        obj.deleted = True
        obj.ctime = int(time.time())
