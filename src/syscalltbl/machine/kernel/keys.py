"""The kernel's key retention service (security/keys/): keys, keyrings, who holds them, permissions, quotas.

A key has a type ("user" and "logon" hold a payload, "keyring" links other
keys), a description, an owner, a permission mask of four bytes (possessor,
user, group, other) and a state (instantiated, negative, revoked, expired,
invalidated). A task holds a thread keyring, its process a process keyring,
and it belongs to a session keyring; each user has a user keyring and a user
session keyring. A key is "possessed" when it can be reached from the
caller's own keyrings, which grants the possessor byte of its mask.

Keys live while something holds them: a keyring that links them, or a task
or user whose keyring they are; the rest are collected (key_garbage_collector)
before the next key is made, so their quota is given back. Each user's keys
are bounded by /proc/sys/kernel/keys/maxkeys and maxbytes (root's by
root_maxkeys and root_maxbytes), and every key is charged to RAM as the kernel
object it is, so a guest cannot grow them without bound. No upcall helper
(/sbin/request-key) exists here: a request_key that must construct a key
makes it negative and fails with ENOENT, as Linux does when the helper is missing.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.uapi.errno import EACCES, EDQUOT, EKEYEXPIRED, EKEYREVOKED, ENOKEY, ENOMEM, Errno
from syscalltbl.machine.uapi.keyctl import (
    KEY_ALL,
    KEY_GRP_SHIFT,
    KEY_LINK,
    KEY_POS_SHIFT,
    KEY_READ,
    KEY_REQKEY_DEFL_DEFAULT,
    KEY_SEARCH,
    KEY_SETATTR,
    KEY_USR_SHIFT,
    KEY_VIEW,
    KEY_WRITE,
)
from syscalltbl.store.record import Record, Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task, ThreadGroup
    from syscalltbl.machine.machine import Machine

# What a key costs: its Python objects and table entry measure about 400 bytes (tracemalloc), more than a
# struct key; charged to RAM with its description and payload, so the host holds no more than RAM allows.
KEY_BYTES = 512
TYPES = ("keyring", "user", "logon")  # the types this kernel has (no big_key, asymmetric, encrypted...)
POS_ALL = KEY_ALL << KEY_POS_SHIFT
USR_VIEW, USR_READ, USR_LINK = KEY_VIEW << KEY_USR_SHIFT, KEY_READ << KEY_USR_SHIFT, KEY_LINK << KEY_USR_SHIFT
USR_ALL = KEY_ALL << KEY_USR_SHIFT


class Key(Record):
    serial: int
    type: str
    description: bytes
    uid: int
    gid: int
    perm: int
    payload: bytes
    links: list[Key]  # a keyring's keys, in the order they were linked
    negative: bool  # instantiated negatively (request_key found no helper): reads give ENOKEY
    revoked: bool
    invalidated: bool
    expiry: float | None  # time.monotonic() after which it is expired
    quota_uid: int  # whose quota it is charged to
    charged: int  # the quota bytes it takes

    _fields = (
        "serial", "type", "description", "uid", "gid", "perm", "payload", "links", "negative", "revoked",
        "invalidated", "expiry", "quota_uid", "charged",
    )

    def __init__(
        self,
        serial: int,
        type: str,
        description: bytes,
        uid: int,
        gid: int,
        perm: int,
        payload: bytes = b"",
        links: list[Key] | None = None,
        negative: bool = False,
        revoked: bool = False,
        invalidated: bool = False,
        expiry: float | None = None,
        quota_uid: int = 0,
        charged: int = 0,
    ) -> None:
        self.serial = serial
        self.type = type
        self.description = description
        self.uid = uid
        self.gid = gid
        self.perm = perm
        self.payload = payload
        self.links = [] if links is None else links
        self.negative = negative
        self.revoked = revoked
        self.invalidated = invalidated
        self.expiry = expiry
        self.quota_uid = quota_uid
        self.charged = charged

    def validate(self) -> None:
        """key_validate: ENOKEY once invalidated, EKEYREVOKED once revoked, EKEYEXPIRED past its expiry."""
        if self.invalidated:
            raise Errno(ENOKEY)
        if self.revoked:
            raise Errno(EKEYREVOKED)
        if self.expiry is not None and time.monotonic() >= self.expiry:
            raise Errno(EKEYEXPIRED)


class TaskKeys(Value):
    """A task's keyrings and request_key's default destination (in Linux, its credentials')."""

    thread: Key | None
    session: Key | None
    reqkey_default: int

    _fields = ("thread", "session", "reqkey_default")

    def __init__(
        self,
        thread: Key | None = None,
        session: Key | None = None,
        reqkey_default: int = KEY_REQKEY_DEFL_DEFAULT,
    ) -> None:
        self.thread = thread
        self.session = session
        self.reqkey_default = reqkey_default


class KeyTable:
    """The machine's keys by serial, the users' keyrings and quota use, and the quota limits."""

    def __init__(self, machine: Machine) -> None:
        self.machine = weakref.ref(machine)
        self.keys: dict[int, Key] = {}
        self.user_keyrings: dict[int, tuple[Key, Key]] = {}  # uid -> (user keyring, user session keyring)
        self.used: dict[int, list[int]] = {}  # uid -> [keys, bytes]
        self.task_keys: weakref.WeakKeyDictionary[Task, TaskKeys] = weakref.WeakKeyDictionary()
        self.process_keyrings: weakref.WeakKeyDictionary[ThreadGroup, Key] = weakref.WeakKeyDictionary()

    def limits(self, uid: int) -> tuple[int, int]:
        """The quota of `uid`'s keys and bytes: /proc/sys/kernel/keys' values, root's apart."""
        machine = self.machine()
        assert machine is not None
        s = machine.sysctl
        return (s.key_root_maxkeys, s.key_root_maxbytes) if uid == 0 else (s.key_maxkeys, s.key_maxbytes)

    def alloc(self, key_type: str, description: bytes, uid: int, gid: int, perm: int, payload: bytes = b"", *,
              overrun: bool = False) -> Key:
        """key_alloc and instantiation: EDQUOT past the owner's quota, ENOMEM when RAM cannot hold it. The
        keyrings the kernel makes for a task or user are charged but may pass the quota (QUOTA_OVERRUN)."""
        machine = self.machine()
        assert machine is not None
        self.collect()
        size = len(description) + 1 + len(payload)
        keys, nbytes = self.used.setdefault(uid, [0, 0])
        maxkeys, maxbytes = self.limits(uid)
        if not overrun and (keys + 1 > maxkeys or nbytes + size > maxbytes):
            raise Errno(EDQUOT)
        cost = KEY_BYTES + size
        if not machine.ram.slab_fits(cost):
            raise Errno(ENOMEM)
        machine.ram.slab_charge(cost)
        from secrets import randbelow  # here: secrets imports hmac, and hmac OpenSSL, which a run without keys skips

        serial = 3 + randbelow(0x7FFFFFFC)  # key_alloc_serial: random, never a special id
        while serial in self.keys:
            serial = 3 + randbelow(0x7FFFFFFC)
        key = Key(serial, key_type, description, uid, gid, perm, payload)
        key.quota_uid, key.charged = uid, size
        self.used[uid][0] += 1
        self.used[uid][1] += size
        self.keys[serial] = key
        return key

    def recharge(self, key: Key, payload: bytes) -> None:
        """KEYCTL_UPDATE's new payload (key_payload_reserve): EDQUOT if the owner's bytes would pass the limit."""
        size = len(key.description) + 1 + len(payload)
        used = self.used[key.quota_uid]
        if used[1] - key.charged + size > self.limits(key.quota_uid)[1]:
            raise Errno(EDQUOT)
        used[1] += size - key.charged
        key.charged = size
        machine = self.machine()
        assert machine is not None
        machine.ram.slab_charge(len(payload) - len(key.payload))
        key.payload = payload

    def collect(self) -> None:
        """key_garbage_collector: every key nothing holds any more goes, and its quota comes back."""
        machine = self.machine()
        if machine is None:
            return
        roots: list[Key] = [k for pair in self.user_keyrings.values() for k in pair]
        for task in machine.tasks.values():
            if task.status is not None:
                continue
            held = self.task_keys.get(task)
            if held is not None:
                roots += [k for k in (held.thread, held.session) if k is not None]
            ring = self.process_keyrings.get(task.group)
            if ring is not None:
                roots.append(ring)
        live: set[int] = set()
        stack = roots
        while stack:
            key = stack.pop()
            if key.serial in live:
                continue
            live.add(key.serial)
            stack += key.links
        for serial in [s for s in self.keys if s not in live]:
            self.free(self.keys.pop(serial), machine)

    def free(self, key: Key, machine: Machine) -> None:
        used = self.used[key.quota_uid]
        used[0] -= 1
        used[1] -= key.charged
        machine.ram.slab_charge(-(KEY_BYTES + len(key.description) + 1 + len(key.payload)))
        key.links = []


_tables: weakref.WeakKeyDictionary[Machine, KeyTable] = weakref.WeakKeyDictionary()


def table(machine: Machine) -> KeyTable:
    found = _tables.get(machine)
    if found is None:
        found = _tables[machine] = KeyTable(machine)
    return found


def task_keys(t: Task) -> TaskKeys:
    keys = table(t.machine)
    found = keys.task_keys.get(t)
    if found is None:
        found = keys.task_keys[t] = TaskKeys()
    return found


def forked(parent: Task, child: Task) -> None:
    """copy_creds: the child keeps the session keyring and request_key's default, not the thread keyring;
    a new process starts with no process keyring (its ThreadGroup has none)."""
    keys = table(parent.machine)
    mine = keys.task_keys.get(parent)
    if mine is not None:
        keys.task_keys[child] = TaskKeys(None, mine.session, mine.reqkey_default)


def exec_done(t: Task) -> None:
    """exec's new credentials: no thread keyring, no process keyring; the session stays."""
    keys = table(t.machine)
    mine = keys.task_keys.get(t)
    if mine is not None:
        mine.thread = None
    keys.process_keyrings.pop(t.group, None)


def user_keyrings(t: Task) -> tuple[Key, Key]:
    """look_up_user_keyrings: the caller's user keyring and user session keyring, made at first use."""
    keys = table(t.machine)
    uid = t.cred.uid
    found = keys.user_keyrings.get(uid)
    if found is None:
        user = keys.alloc("keyring", b"_uid.%d" % uid, uid, -1, POS_ALL | USR_ALL, overrun=True)
        session = keys.alloc("keyring", b"_uid_ses.%d" % uid, uid, -1, POS_ALL | USR_ALL, overrun=True)
        session.links.append(user)  # the user session keyring links the user keyring
        found = keys.user_keyrings[uid] = (user, session)
    return found


def new_keyring(t: Task, description: bytes, perm: int) -> Key:
    """A thread, process or session keyring the kernel makes for the caller."""
    return table(t.machine).alloc("keyring", description, t.cred.fsuid, t.cred.fsgid, perm, overrun=True)


def thread_keyring(t: Task, *, create: bool) -> Key | None:
    mine = task_keys(t)
    if mine.thread is None and create:
        mine.thread = new_keyring(t, b"_tid", POS_ALL | USR_VIEW)
    return mine.thread


def process_keyring(t: Task, *, create: bool) -> Key | None:
    keys = table(t.machine)
    ring = keys.process_keyrings.get(t.group)
    if ring is None and create:
        ring = keys.process_keyrings[t.group] = new_keyring(t, b"_pid", POS_ALL | USR_VIEW)
    return ring


def session_keyring(t: Task) -> Key:
    """The session keyring; a task that has none is given its user session keyring (lookup_user_key)."""
    mine = task_keys(t)
    if mine.session is None:
        mine.session = user_keyrings(t)[1]
    return mine.session


def join_session(t: Task, name: bytes | None) -> Key:
    """join_session_keyring: a new anonymous session, or the named one (made if the caller has none of
    that name it may search)."""
    perm = POS_ALL | USR_VIEW | USR_READ | USR_LINK
    keys = table(t.machine)
    ring: Key | None = None
    if name is not None:
        ring = next((k for k in keys.keys.values() if k.type == "keyring" and k.description == name
                     and not k.revoked and not k.invalidated and k.uid == t.cred.fsuid), None)
        if ring is not None and not permitted(t, ring, KEY_SEARCH, possessed=False):
            raise Errno(EACCES)
    if ring is None:
        ring = new_keyring(t, name if name is not None else b"_ses", perm)
    task_keys(t).session = ring
    return ring


def own_keyrings(t: Task) -> list[Key]:
    """The keyrings a search starts from, in search_process_keyrings' order."""
    mine = task_keys(t)
    rings = [mine.thread, table(t.machine).process_keyrings.get(t.group), mine.session or user_keyrings(t)[1]]
    return [k for k in rings if k is not None]


def possessed(t: Task) -> set[int]:
    """The serials the caller possesses: its own keyrings, and the keys a search of them finds, which
    needs search permission on each key and on each keyring it goes through (keyring_search_iterator)."""
    rings = own_keyrings(t)
    found = {k.serial for k in rings}
    stack = [k for ring in rings for k in ring.links]
    while stack:
        key = stack.pop()
        if key.serial in found or not permitted(t, key, KEY_SEARCH, possessed=True):
            continue
        found.add(key.serial)
        if key.type == "keyring" and not key.revoked:
            stack += key.links
    return found


def permitted(t: Task, key: Key, need: int, *, possessed: bool) -> bool:
    """key_task_permission: the user byte for the owner, else the group byte for its group, else other; the
    possessor byte on top when possessed."""
    cred = t.cred
    if key.uid == cred.fsuid:
        kperm = key.perm >> KEY_USR_SHIFT
    elif key.gid != -1 and key.perm & (KEY_ALL << KEY_GRP_SHIFT) and cred.in_group(key.gid):
        kperm = key.perm >> KEY_GRP_SHIFT
    else:
        kperm = key.perm
    if possessed:
        kperm |= key.perm >> KEY_POS_SHIFT
    return not need & ~kperm & KEY_ALL


def default_perm(key_type: str) -> int:
    """What add_key gives a new key (KEY_PERM_UNDEF): the possessor nearly everything, the owner view."""
    perm = (KEY_VIEW | KEY_SEARCH | KEY_LINK | KEY_SETATTR) << KEY_POS_SHIFT | USR_VIEW
    if key_type != "logon":
        perm |= KEY_READ << KEY_POS_SHIFT  # logon keys cannot be read from user space
    return perm | KEY_WRITE << KEY_POS_SHIFT


def reachable(start: Key, target: Key) -> bool:
    """Whether `target` is `start` or linked below it: a link making a cycle is EDEADLK."""
    seen: set[int] = set()
    stack = [start]
    while stack:
        key = stack.pop()
        if key is target:
            return True
        if key.serial not in seen:
            seen.add(key.serial)
            stack += key.links
    return False


def render_key_users(machine: Machine) -> bytes:
    """/proc/key-users: per user with keys, its references, keys and instantiated keys, then the quota's
    keys and bytes used against their limits (proc_key_users_show)."""
    keys = table(machine)
    keys.collect()
    lines = []
    for uid in sorted(keys.used):
        count, nbytes = keys.used[uid]
        owned = sum(1 for k in keys.keys.values() if k.quota_uid == uid)
        if not owned:
            continue
        maxkeys, maxbytes = keys.limits(uid)
        lines.append(b"%5d: %5d %d/%d %d/%d %d/%d\n" % (uid, owned, owned, owned, count, maxkeys, nbytes, maxbytes))
    return b"".join(lines)
