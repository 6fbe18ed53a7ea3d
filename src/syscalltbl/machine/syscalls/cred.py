"""Credentials: the set*id family, supplementary groups, capget/capset (kernel/sys.c, kernel/groups.c,
kernel/capability.c); reading the ids is ids.py.

Each call works on the calling thread's own credentials, as Linux's do
(libc's setuid() makes every thread call it). An id of -1 means "leave it"
where the call allows that, and is otherwise never a valid id (EINVAL).
"""

from __future__ import annotations

import struct
from array import array

from syscalltbl.machine.kernel.cred import NO_GROUPS, Creds, GroupInfo, fix_setfsuid, fix_setuid
from syscalltbl.machine.kernel.pidns import find_task_vpid, tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.userns import (
    INVALID_ID,
    from_kgid_munged,
    from_kuid_munged,
    make_kgid,
    make_kuid,
    may_setgroups,
)
from syscalltbl.machine.syscalls.ids import gid_seen
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import (
    CAP_LAST_CAP,
    CAP_SETGID,
    CAP_SETPCAP,
    CAP_SETUID,
    CAPABILITY_U32S,
    LINUX_CAPABILITY_VERSION_3,
    NGROUPS_MAX,
    NO_ID,
    SECBIT_KEEP_CAPS,
    SECBIT_KEEP_CAPS_LOCKED,
    SECBIT_NO_CAP_AMBIENT_RAISE,
    SECURE_ALL_BITS,
    SECURE_ALL_LOCKS,
    SECURE_ALL_UNPRIVILEGED,
)
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.prctl import (
    PR_CAP_AMBIENT_CLEAR_ALL,
    PR_CAP_AMBIENT_IS_SET,
    PR_CAP_AMBIENT_LOWER,
    PR_CAP_AMBIENT_RAISE,
    PR_CAPBSET_DROP,
    PR_GET_KEEPCAPS,
    PR_GET_SECUREBITS,
    PR_SET_KEEPCAPS,
    PR_SET_SECUREBITS,
)


def _id(value: int) -> int:
    return value & 0xFFFFFFFF


def _kuid(t: Task, uid: int) -> int:
    """make_kuid in the caller's namespace: -1 stays -1 ("leave it"), an id it does not map is EINVAL."""
    uid = _id(uid)
    if uid == NO_ID:
        return uid
    kuid = make_kuid(t.cred.user_ns, uid)
    if kuid == INVALID_ID:
        raise Errno(EINVAL)
    return kuid


def _kgid(t: Task, gid: int) -> int:
    gid = _id(gid)
    if gid == NO_ID:
        return gid
    kgid = make_kgid(t.cred.user_ns, gid)
    if kgid == INVALID_ID:
        raise Errno(EINVAL)
    return kgid


def _setid_capable(cred: Creds, cap: int) -> bool:
    """ns_capable_setid: CAP_SETUID or CAP_SETGID in the credentials' own user namespace."""
    return cred.ns_capable(cred.user_ns, cap)


def _commit(t: Task, new: Creds, *, users: bool) -> int:
    """commit_creds, with the capability fix-up that follows a change of user ids."""
    if users:
        fix_setuid(t.cred, new)
    t.cred = new
    return 0


# -- setting the user ids --


@syscall("sys_setuid")
def sys_setuid(t: Task, uid: int, *_: int) -> int:
    """CAP_SETUID sets all of real, effective and saved; anyone else only the effective, to its real or saved uid."""
    uid = _kuid(t, uid)
    if uid == NO_ID:
        raise Errno(EINVAL)
    old, new = t.cred, t.cred.copy()
    if _setid_capable(old, CAP_SETUID):
        new.uid = new.suid = uid
    elif uid not in (old.uid, old.suid):
        raise Errno(EPERM)
    new.euid = new.fsuid = uid
    return _commit(t, new, users=True)


@syscall("sys_setreuid")
def sys_setreuid(t: Task, ruid: int, euid: int, *_: int) -> int:
    """The real uid may become the effective one, the effective the real or saved; the saved follows
    the effective whenever the real is set or the effective becomes other than the old real."""
    ruid, euid = _kuid(t, ruid), _kuid(t, euid)
    old, new = t.cred, t.cred.copy()
    privileged = _setid_capable(old, CAP_SETUID)
    if ruid != NO_ID:
        if ruid not in (old.uid, old.euid) and not privileged:
            raise Errno(EPERM)
        new.uid = ruid
    if euid != NO_ID:
        if euid not in (old.uid, old.euid, old.suid) and not privileged:
            raise Errno(EPERM)
        new.euid = euid
    if ruid != NO_ID or (euid != NO_ID and euid != old.uid):
        new.suid = new.euid
    new.fsuid = new.euid
    return _commit(t, new, users=True)


@syscall("sys_setresuid")
def sys_setresuid(t: Task, ruid: int, euid: int, suid: int, *_: int) -> int:
    """Each of the three to any of the current three, or anything with CAP_SETUID; fsuid follows euid."""
    wanted = _kuid(t, ruid), _kuid(t, euid), _kuid(t, suid)
    old, new = t.cred, t.cred.copy()
    current = (old.uid, old.euid, old.suid)
    if any(x != NO_ID and x not in current for x in wanted) and not _setid_capable(old, CAP_SETUID):
        raise Errno(EPERM)
    r, e, s = wanted
    new.uid = r if r != NO_ID else old.uid
    new.euid = e if e != NO_ID else old.euid
    new.suid = s if s != NO_ID else old.suid
    new.fsuid = new.euid
    return _commit(t, new, users=True)


@syscall("sys_setfsuid")
def sys_setfsuid(t: Task, uid: int, *_: int) -> int:
    """Never fails: the old fsuid, whether or not it changed (to one of the four ids, or anything with CAP_SETUID)."""
    old = t.cred
    uid = make_kuid(old.user_ns, _id(uid))  # one the namespace does not map leaves it as it was
    if uid != INVALID_ID and (uid in (old.uid, old.euid, old.suid, old.fsuid) or _setid_capable(old, CAP_SETUID)):
        new = old.copy()
        new.fsuid = uid
        fix_setfsuid(old, new)
        t.cred = new
    return from_kuid_munged(old.user_ns, old.fsuid)


# -- setting the group ids: the same rules under CAP_SETGID, and no capabilities follow them --


@syscall("sys_setgid")
def sys_setgid(t: Task, gid: int, *_: int) -> int:
    gid = _kgid(t, gid)
    if gid == NO_ID:
        raise Errno(EINVAL)
    old, new = t.cred, t.cred.copy()
    if _setid_capable(old, CAP_SETGID):
        new.gid = new.sgid = gid
    elif gid not in (old.gid, old.sgid):
        raise Errno(EPERM)
    new.egid = new.fsgid = gid
    return _commit(t, new, users=False)


@syscall("sys_setregid")
def sys_setregid(t: Task, rgid: int, egid: int, *_: int) -> int:
    rgid, egid = _kgid(t, rgid), _kgid(t, egid)
    old, new = t.cred, t.cred.copy()
    privileged = _setid_capable(old, CAP_SETGID)
    if rgid != NO_ID:
        if rgid not in (old.gid, old.egid) and not privileged:
            raise Errno(EPERM)
        new.gid = rgid
    if egid != NO_ID:
        if egid not in (old.gid, old.egid, old.sgid) and not privileged:
            raise Errno(EPERM)
        new.egid = egid
    if rgid != NO_ID or (egid != NO_ID and egid != old.gid):
        new.sgid = new.egid
    new.fsgid = new.egid
    return _commit(t, new, users=False)


@syscall("sys_setresgid")
def sys_setresgid(t: Task, rgid: int, egid: int, sgid: int, *_: int) -> int:
    wanted = _kgid(t, rgid), _kgid(t, egid), _kgid(t, sgid)
    old, new = t.cred, t.cred.copy()
    current = (old.gid, old.egid, old.sgid)
    if any(x != NO_ID and x not in current for x in wanted) and not _setid_capable(old, CAP_SETGID):
        raise Errno(EPERM)
    r, e, s = wanted
    new.gid = r if r != NO_ID else old.gid
    new.egid = e if e != NO_ID else old.egid
    new.sgid = s if s != NO_ID else old.sgid
    new.fsgid = new.egid
    return _commit(t, new, users=False)


@syscall("sys_setfsgid")
def sys_setfsgid(t: Task, gid: int, *_: int) -> int:
    old = t.cred
    gid = make_kgid(old.user_ns, _id(gid))
    if gid != INVALID_ID and (gid in (old.gid, old.egid, old.sgid, old.fsgid) or _setid_capable(old, CAP_SETGID)):
        new = old.copy()
        new.fsgid = gid
        t.cred = new
    return from_kgid_munged(old.user_ns, old.fsgid)


# -- supplementary groups --


@syscall("sys_getgroups")
def sys_getgroups(t: Task, size: int, grouplist: int, *_: int) -> int:
    """The groups, sorted; a size of 0 only counts them, one too small is EINVAL."""
    if size < 0:
        raise Errno(EINVAL)
    groups = t.cred.groups.gids
    if size:
        if len(groups) > size:
            raise Errno(EINVAL)
        seen = array("I", (gid_seen(t, g) for g in groups))  # as the caller's user namespace sees them
        copy_to_user(t.mm, grouplist, seen.tobytes())
    return len(groups)


@syscall("sys_setgroups")
def sys_setgroups(t: Task, size: int, grouplist: int, *_: int) -> int:
    """CAP_SETGID only (EPERM before the size is looked at), in a user namespace only once its gid_map is
    written and setgroups allowed (may_setgroups); at most NGROUPS_MAX, kept sorted."""
    if not may_setgroups(t.cred):
        raise Errno(EPERM)
    if not 0 <= size <= NGROUPS_MAX:
        raise Errno(EINVAL)
    raw = array("I", copy_from_user(t.mm, grouplist, 4 * size) if size else b"")
    raw = array("I", (make_kgid(t.cred.user_ns, g) for g in raw))
    if INVALID_ID in raw:
        raise Errno(EINVAL)  # groups_from_user: (gid_t)-1, or a gid the namespace does not map, is no group
    new = t.cred.copy()
    new.groups = GroupInfo(raw, t.machine.ram) if raw else NO_GROUPS
    return _commit(t, new, users=False)


# -- capabilities (kernel/capability.c) --

CAP_HEADER = struct.Struct("<Ii")  # __user_cap_header_struct: version, pid
CAP_DATA = struct.Struct("<III")  # __user_cap_data_struct: effective, permitted, inheritable


def _cap_words(t: Task, header: int) -> int:
    """cap_validate_magic: how many data structs the header's version passes; an unknown version is EINVAL,
    after the version this kernel prefers is written back for the caller to retry with."""
    (version,) = struct.unpack("<I", copy_from_user(t.mm, header, 4))
    words = CAPABILITY_U32S.get(version)
    if words is None:
        copy_to_user(t.mm, header, struct.pack("<I", LINUX_CAPABILITY_VERSION_3))
        raise Errno(EINVAL)
    return words


def _header_pid(t: Task, header: int) -> int:
    return int.from_bytes(copy_from_user(t.mm, header + 4, 4), "little", signed=True)


@syscall("sys_capget")
def sys_capget(t: Task, header: int, dataptr: int, *_: int) -> int:
    """The three sets of the caller (pid 0 or its own) or another task; a NULL data pointer only probes
    the version (EINVAL for an unknown one, then quietly 0)."""
    try:
        words = _cap_words(t, header)
    except Errno as exc:
        if exc.errno == EINVAL and not dataptr:
            return 0
        raise
    if not dataptr:
        return 0
    pid = _header_pid(t, header)
    if pid < 0:
        raise Errno(EINVAL)
    target = t
    if pid and pid != tgid_vnr(t):
        found = find_task_vpid(t, pid)
        if found is None or found.status is not None:
            raise Errno(ESRCH)
        target = found
    cred = target.cred
    data = b"".join(
        CAP_DATA.pack(cred.cap_effective >> 32 * i & 0xFFFFFFFF, cred.cap_permitted >> 32 * i & 0xFFFFFFFF,
                      cred.cap_inheritable >> 32 * i & 0xFFFFFFFF)
        for i in range(words)
    )
    copy_to_user(t.mm, dataptr, data)
    return 0


@syscall("sys_capset")
def sys_capset(t: Task, header: int, data: int, *_: int) -> int:
    """The caller's own sets only (EPERM for another pid); cap_capset's rules: nothing may be added to the
    permitted set, the effective must stay within it, the inheritable within the old inheritable and
    permitted (any with CAP_SETPCAP) and within the bounding set."""
    words = _cap_words(t, header)
    pid = _header_pid(t, header)
    if pid and pid != tgid_vnr(t):
        raise Errno(EPERM)
    raw = copy_from_user(t.mm, data, CAP_DATA.size * words)
    effective = permitted = inheritable = 0
    for i in range(words):
        e, p, h = CAP_DATA.unpack_from(raw, CAP_DATA.size * i)
        effective |= e << 32 * i
        permitted |= p << 32 * i
        inheritable |= h << 32 * i
    old = t.cred  # a version-1 caller's sets have no high word: zero, as Linux takes it
    if not old.capable(CAP_SETPCAP) and inheritable & ~(old.cap_inheritable | old.cap_permitted):
        raise Errno(EPERM)
    if inheritable & ~(old.cap_inheritable | old.cap_bset):
        raise Errno(EPERM)
    if permitted & ~old.cap_permitted or effective & ~permitted:
        raise Errno(EPERM)
    new = old.copy()
    new.cap_effective, new.cap_permitted, new.cap_inheritable = effective, permitted, inheritable
    new.cap_ambient &= permitted & inheritable
    return _commit(t, new, users=False)


def _set_securebits(t: Task, bits: int) -> int:
    """cap_task_prctl's PR_SET_SECUREBITS: no locked bit changed, no lock undone, no unknown bit, and
    CAP_SETPCAP unless only unprivileged bits change."""
    old = t.cred.securebits | (SECBIT_KEEP_CAPS if t.cred.keepcaps else 0)
    changed = old ^ bits
    if (old & SECURE_ALL_LOCKS) >> 1 & changed or old & SECURE_ALL_LOCKS & ~bits:
        raise Errno(EPERM)
    if bits & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS):
        raise Errno(EPERM)
    privileged = bool(changed & ~SECURE_ALL_UNPRIVILEGED) or not changed & SECURE_ALL_UNPRIVILEGED
    if privileged and not t.cred.capable(CAP_SETPCAP):
        raise Errno(EPERM)
    new = t.cred.copy()
    new.keepcaps, new.securebits = bool(bits & SECBIT_KEEP_CAPS), bits & ~SECBIT_KEEP_CAPS
    return _commit(t, new, users=False)


def do_prctl_ambient(t: Task, op: int, cap: int, arg4: int, arg5: int) -> int:
    """prctl(PR_CAP_AMBIENT): ask, raise (a capability both permitted and inheritable, unless
    SECBIT_NO_CAP_AMBIENT_RAISE), lower one, or clear them all."""
    if op == PR_CAP_AMBIENT_CLEAR_ALL:
        if cap or arg4 or arg5:
            raise Errno(EINVAL)
        new = t.cred.copy()
        new.cap_ambient = 0
        return _commit(t, new, users=False)
    if not 0 <= cap <= CAP_LAST_CAP or arg4 or arg5:
        raise Errno(EINVAL)
    old = t.cred
    if op == PR_CAP_AMBIENT_IS_SET:
        return old.cap_ambient >> cap & 1
    if op not in (PR_CAP_AMBIENT_RAISE, PR_CAP_AMBIENT_LOWER):
        raise Errno(EINVAL)
    if op == PR_CAP_AMBIENT_RAISE and (not old.cap_permitted >> cap & 1 or not old.cap_inheritable >> cap & 1
                                       or old.securebits & SECBIT_NO_CAP_AMBIENT_RAISE):
        raise Errno(EPERM)
    new = old.copy()
    new.cap_ambient = new.cap_ambient | 1 << cap if op == PR_CAP_AMBIENT_RAISE else new.cap_ambient & ~(1 << cap)
    return _commit(t, new, users=False)


def do_prctl_caps(t: Task, option: int, arg2: int) -> int:
    """prctl's capability options (cap_task_prctl): PR_SET_KEEPCAPS 0 or 1 (keep the permitted set when
    the uids leave 0), PR_GET_KEEPCAPS, PR_CAPBSET_READ of one capability, PR_CAPBSET_DROP of one from the
    bounding set (with CAP_SETPCAP: what later execs may gain)."""
    if option == PR_GET_KEEPCAPS:
        return int(t.cred.keepcaps)
    if option == PR_SET_KEEPCAPS:
        if arg2 not in (0, 1):
            raise Errno(EINVAL)
        if t.cred.securebits & SECBIT_KEEP_CAPS_LOCKED:
            raise Errno(EPERM)
        new = t.cred.copy()
        new.keepcaps = bool(arg2)
        return _commit(t, new, users=False)
    if option == PR_GET_SECUREBITS:
        return t.cred.securebits | (SECBIT_KEEP_CAPS if t.cred.keepcaps else 0)
    if option == PR_SET_SECUREBITS:
        return _set_securebits(t, arg2)
    if option == PR_CAPBSET_DROP:
        if not t.cred.capable(CAP_SETPCAP):
            raise Errno(EPERM)
        if not 0 <= arg2 <= CAP_LAST_CAP:
            raise Errno(EINVAL)
        new = t.cred.copy()
        new.cap_bset &= ~(1 << arg2)
        return _commit(t, new, users=False)
    if not 0 <= arg2 <= CAP_LAST_CAP:
        raise Errno(EINVAL)
    return t.cred.cap_bset >> arg2 & 1
