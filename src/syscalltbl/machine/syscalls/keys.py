"""add_key, request_key and keyctl (security/keys/keyctl.c, request_key.c): the key retention service's calls.

The keys themselves are kernel/keys.py's. Types: "keyring", "user" and
"logon" (a user key user space cannot read back); others are ENODEV to
add_key and ENOKEY to request_key, as on a kernel built without them. The
keyctl commands that need what this machine lacks answer as such a kernel
does: no request-key authority exists (INSTANTIATE, NEGATE, REJECT:
EPERM), no persistent keyrings, Diffie-Hellman, key restrictions or
public-key operations (EOPNOTSUPP).
"""

from __future__ import annotations

import struct
import time

from syscalltbl.machine.kernel import keys
from syscalltbl.machine.kernel.keys import Key
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import (
    EACCES,
    EAGAIN,
    EDEADLK,
    EINVAL,
    ENODEV,
    ENOENT,
    ENOKEY,
    ENOTDIR,
    EOPNOTSUPP,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.keyctl import (
    KEY_LINK,
    KEY_MAX_DESC_SIZE,
    KEY_NEGATIVE_TIMEOUT,
    KEY_PAYLOAD_MAX,
    KEY_READ,
    KEY_REQKEY_DEFL_DEFAULT,
    KEY_REQKEY_DEFL_GROUP_KEYRING,
    KEY_REQKEY_DEFL_NO_CHANGE,
    KEY_REQKEY_DEFL_PROCESS_KEYRING,
    KEY_REQKEY_DEFL_REQUESTOR_KEYRING,
    KEY_REQKEY_DEFL_SESSION_KEYRING,
    KEY_REQKEY_DEFL_THREAD_KEYRING,
    KEY_REQKEY_DEFL_USER_KEYRING,
    KEY_REQKEY_DEFL_USER_SESSION_KEYRING,
    KEY_SEARCH,
    KEY_SETATTR,
    KEY_SPEC_GROUP_KEYRING,
    KEY_SPEC_PROCESS_KEYRING,
    KEY_SPEC_REQKEY_AUTH_KEY,
    KEY_SPEC_REQUESTOR_KEYRING,
    KEY_SPEC_SESSION_KEYRING,
    KEY_SPEC_THREAD_KEYRING,
    KEY_SPEC_USER_KEYRING,
    KEY_SPEC_USER_SESSION_KEYRING,
    KEY_TYPE_NAME_SIZE,
    KEY_VIEW,
    KEY_WRITE,
    KEYCTL_ASSUME_AUTHORITY,
    KEYCTL_CHOWN,
    KEYCTL_CLEAR,
    KEYCTL_DESCRIBE,
    KEYCTL_GET_KEYRING_ID,
    KEYCTL_GET_SECURITY,
    KEYCTL_INSTANTIATE,
    KEYCTL_INSTANTIATE_IOV,
    KEYCTL_INVALIDATE,
    KEYCTL_JOIN_SESSION_KEYRING,
    KEYCTL_LINK,
    KEYCTL_NEGATE,
    KEYCTL_READ,
    KEYCTL_REJECT,
    KEYCTL_REVOKE,
    KEYCTL_SEARCH,
    KEYCTL_SESSION_TO_PARENT,
    KEYCTL_SET_REQKEY_KEYRING,
    KEYCTL_SET_TIMEOUT,
    KEYCTL_SETPERM,
    KEYCTL_UNLINK,
    KEYCTL_UPDATE,
    USER_PAYLOAD_MAX,
)

_ALL_PERMS = 0x3F3F3F3F  # every defined bit of the four bytes


def _type_from_user(t: Task, addr: int) -> str:
    """key_get_type_from_user: at most 31 characters, not empty; a name starting with '.' is the kernel's."""
    raw = strncpy_from_user(t.mm, addr, KEY_TYPE_NAME_SIZE)
    if not raw or len(raw) >= KEY_TYPE_NAME_SIZE:
        raise Errno(EINVAL)
    if raw.startswith(b"."):
        raise Errno(EPERM)
    return raw.decode("latin-1")


def _string(t: Task, addr: int, limit: int) -> bytes:
    """strndup_user: EINVAL when no NUL comes within `limit` bytes."""
    raw = strncpy_from_user(t.mm, addr, limit)
    if len(raw) >= limit:
        raise Errno(EINVAL)
    return raw


def lookup(t: Task, serial: int, *, create: bool = False, partial: bool = False, need: int = 0) -> tuple[Key, bool]:
    """lookup_user_key: the key an id names (a special id names one of the caller's keyrings, made if
    `create`) and whether the caller possesses it; its state and the permission `need` checked."""
    serial = s32(serial)
    if serial > 0:
        table = keys.table(t.machine)
        table.collect()
        found = table.keys.get(serial)
        if found is None or found.invalidated:
            raise Errno(ENOKEY)
        key, possessed = found, serial in keys.possessed(t)
    else:
        key, possessed = _special(t, serial, create=create), True
    if need:
        # A negative key fails only a full lookup (wait_for_key_construction); a partial one checks the
        # key's validity alone (__key_validate). Without a permission to check, neither is an error.
        if key.negative and not partial:
            raise Errno(ENOKEY)
        key.validate()
    if need and not keys.permitted(t, key, need, possessed=possessed):
        raise Errno(EACCES)
    return key, possessed


def _special(t: Task, serial: int, *, create: bool) -> Key:
    ring: Key | None
    if serial == KEY_SPEC_THREAD_KEYRING:
        ring = keys.thread_keyring(t, create=create)
    elif serial == KEY_SPEC_PROCESS_KEYRING:
        ring = keys.process_keyring(t, create=create)
    elif serial == KEY_SPEC_SESSION_KEYRING:
        # A task with none joins a new session when asked to create, else its user session keyring.
        fresh = keys.task_keys(t).session is None and create
        ring = keys.join_session(t, None) if fresh else keys.session_keyring(t)
    elif serial == KEY_SPEC_USER_KEYRING:
        ring = keys.user_keyrings(t)[0]
    elif serial == KEY_SPEC_USER_SESSION_KEYRING:
        ring = keys.user_keyrings(t)[1]
    elif serial in (KEY_SPEC_GROUP_KEYRING, KEY_SPEC_REQKEY_AUTH_KEY, KEY_SPEC_REQUESTOR_KEYRING):
        ring = None  # no group keyrings; no request-key authority is ever assumed here
    else:
        raise Errno(EINVAL)
    if ring is None:
        raise Errno(ENOKEY)
    return ring


def _prepare(key_type: str, description: bytes, payload: bytes | None) -> None:
    """The type's preparse and description check: EINVAL for what it refuses."""
    if key_type == "keyring":
        if payload:
            raise Errno(EINVAL)  # a keyring takes no payload
        return
    if not payload or len(payload) > USER_PAYLOAD_MAX:
        raise Errno(EINVAL)
    if key_type == "logon":
        colon = description.find(b":")
        if colon <= 0:
            raise Errno(EINVAL)  # logon_vet_description: "service:..." with a service named


def _find_in(ring: Key, key_type: str, description: bytes) -> Key | None:
    return next((k for k in ring.links if k.type == key_type and k.description == description), None)


def _link(ring: Key, key: Key) -> None:
    """__key_link: a key of the same type and description in the keyring is replaced."""
    if key.type == "keyring" and keys.reachable(key, ring):
        raise Errno(EDEADLK)
    old = _find_in(ring, key.type, key.description)
    if old is key:
        return
    if old is not None:
        ring.links[ring.links.index(old)] = key
    else:
        ring.links.append(key)


@syscall("sys_add_key")
def sys_add_key(t: Task, utype: int, udesc: int, upayload: int, plen: int, ringid: int, *_: int) -> int:
    if plen > KEY_PAYLOAD_MAX:
        raise Errno(EINVAL)
    key_type = _type_from_user(t, utype)
    description: bytes | None = None
    if udesc:
        description = _string(t, udesc, KEY_MAX_DESC_SIZE) or None
        if description is not None and description.startswith(b".") and key_type.startswith("keyring"):
            raise Errno(EPERM)
    payload = copy_from_user(t.mm, upayload, plen) if plen else None
    ring, _possessed = lookup(t, ringid, create=True, need=KEY_WRITE)
    if key_type not in keys.TYPES:
        raise Errno(ENODEV)
    if description is None:
        raise Errno(EINVAL)  # none of these types makes up a description
    if ring.type != "keyring":
        raise Errno(ENOTDIR)
    _prepare(key_type, description, payload)
    existing = _find_in(ring, key_type, description)
    # An updatable type's key of that description there is updated instead (find_key_to_update).
    if (key_type != "keyring" and existing is not None and not existing.revoked and not existing.invalidated
            and keys.permitted(t, existing, KEY_WRITE, possessed=True)):
        keys.table(t.machine).recharge(existing, payload or b"")
        existing.negative = False
        return existing.serial
    key = keys.table(t.machine).alloc(key_type, description, t.cred.fsuid, t.cred.fsgid,
                                      keys.default_perm(key_type), payload or b"")
    _link(ring, key)
    return key.serial


def _search(t: Task, rings: list[Key], key_type: str, description: bytes) -> Key:
    """keyring_search in the caller's keyrings: the first live key of that type and description; a negative
    one is ENOKEY, a revoked or expired one those errors; EAGAIN when nothing matches."""
    error = EAGAIN
    seen: set[int] = set()
    stack = list(reversed(rings))
    while stack:
        ring = stack.pop()
        if ring.serial in seen or not keys.permitted(t, ring, KEY_SEARCH, possessed=True):
            continue
        seen.add(ring.serial)
        for key in ring.links:
            if key.type == key_type and key.description == description:
                try:
                    if key.negative:
                        raise Errno(ENOKEY)
                    key.validate()
                except Errno as exc:
                    error = exc.errno if error == EAGAIN else error
                    continue
                if keys.permitted(t, key, KEY_SEARCH, possessed=True):
                    return key
        stack += [k for k in reversed(ring.links) if k.type == "keyring" and not k.revoked and not k.invalidated]
    raise Errno(error)


def _default_destination(t: Task) -> Key:
    """construct_get_dest_keyring: request_key's default keyring (KEYCTL_SET_REQKEY_KEYRING's choice)."""
    choice = keys.task_keys(t).reqkey_default
    order = {
        KEY_REQKEY_DEFL_THREAD_KEYRING: 0, KEY_REQKEY_DEFL_DEFAULT: 0, KEY_REQKEY_DEFL_REQUESTOR_KEYRING: 0,
        KEY_REQKEY_DEFL_PROCESS_KEYRING: 1, KEY_REQKEY_DEFL_SESSION_KEYRING: 2,
        KEY_REQKEY_DEFL_USER_SESSION_KEYRING: 3, KEY_REQKEY_DEFL_USER_KEYRING: 4,
    }.get(choice, 4)  # fmt: skip
    chain: list[Key | None] = [
        keys.task_keys(t).thread, keys.process_keyring(t, create=False), keys.task_keys(t).session,
        keys.user_keyrings(t)[1], keys.user_keyrings(t)[0],
    ]  # fmt: skip
    if choice == KEY_REQKEY_DEFL_SESSION_KEYRING:
        chain[2] = keys.session_keyring(t)
    return next(k for k in chain[order:] if k is not None)


@syscall("sys_request_key")
def sys_request_key(t: Task, utype: int, udesc: int, ucallout: int, destringid: int, *_: int) -> int:
    key_type = _type_from_user(t, utype)
    description = _string(t, udesc, KEY_MAX_DESC_SIZE)
    callout = _string(t, ucallout, 4096) if ucallout else None
    dest = lookup(t, destringid, create=True, need=KEY_WRITE)[0] if s32(destringid) else None
    if key_type not in keys.TYPES:
        raise Errno(ENOKEY)
    try:
        found = _search(t, keys.own_keyrings(t), key_type, description)
    except Errno as exc:
        if exc.errno != EAGAIN:
            raise
    else:
        if dest is not None:
            if not keys.permitted(t, found, KEY_LINK, possessed=True):
                raise Errno(EACCES)
            _link(dest, found)
        return found.serial
    if callout is None:
        raise Errno(ENOKEY)
    if key_type == "keyring":
        raise Errno(EPERM)  # keyrings are not made by upcall
    ring = dest if dest is not None else _default_destination(t)
    if dest is None and not keys.permitted(t, ring, KEY_WRITE, possessed=True):
        raise Errno(EACCES)
    # No /sbin/request-key here: the construction fails and the key is negated, as when the helper is
    # missing; the call answers the helper's exec error (construct_key_and_link's construction_failed).
    key = keys.table(t.machine).alloc(key_type, description, t.cred.fsuid, t.cred.fsgid, keys.default_perm(key_type))
    key.negative = True
    key.expiry = time.monotonic() + KEY_NEGATIVE_TIMEOUT
    _link(ring, key)
    raise Errno(ENOENT)


# -- keyctl --


def _read(t: Task, serial: int, buf: int, buflen: int) -> int:
    key, possessed = lookup(t, serial, partial=True)
    if key.negative:
        raise Errno(ENOKEY)
    # Without read permission, a key found by searching one's own keyrings may still be read.
    readable = keys.permitted(t, key, KEY_READ, possessed=possessed)
    if not readable and (not possessed or not keys.permitted(t, key, KEY_SEARCH, possessed=True)):
        raise Errno(EACCES)
    if key.type == "logon":
        raise Errno(EOPNOTSUPP)
    key.validate()
    data = b"".join(struct.pack("<i", k.serial) for k in key.links) if key.type == "keyring" else key.payload
    # Copied only when it all fits: else just the length it needs (keyctl_read_key).
    if buf and 0 < len(data) <= buflen:
        copy_to_user(t.mm, buf, data)
    return len(data)


def _describe(t: Task, serial: int, buf: int, buflen: int) -> int:
    key, _ = lookup(t, serial, partial=True, need=KEY_VIEW)
    text = b"%s;%d;%d;%08x;%s\0" % (key.type.encode(), key.uid, key.gid, key.perm, key.description)
    if buf and buflen >= len(text):
        copy_to_user(t.mm, buf, text)
    return len(text)


def _setperm(t: Task, serial: int, perm: int) -> int:
    perm &= 0xFFFFFFFF
    if perm & ~_ALL_PERMS:
        raise Errno(EINVAL)
    key, _ = lookup(t, serial, create=True, partial=True, need=KEY_SETATTR)
    if key.uid != t.cred.fsuid and not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EACCES)
    key.perm = perm
    return 0


def _update(t: Task, serial: int, upayload: int, plen: int) -> int:
    if plen > KEY_PAYLOAD_MAX:
        raise Errno(EINVAL)
    payload = copy_from_user(t.mm, upayload, plen) if plen else b""
    key, _ = lookup(t, serial, create=True, need=KEY_WRITE)
    if key.type == "keyring":
        raise Errno(EOPNOTSUPP)  # no ->update
    _prepare(key.type, key.description, payload)
    keys.table(t.machine).recharge(key, payload)
    key.negative = False
    return 0


def _revoke(t: Task, serial: int) -> int:
    try:
        key, _ = lookup(t, serial, need=KEY_WRITE)
    except Errno as exc:
        if exc.errno != EACCES:
            raise
        key, _ = lookup(t, serial, need=KEY_SETATTR)
    key.revoked = True
    return 0


def _clear(t: Task, serial: int) -> int:
    ring, _ = lookup(t, serial, create=True, need=KEY_WRITE)
    if ring.type != "keyring":
        raise Errno(ENOTDIR)
    ring.links.clear()
    return 0


def _link_cmd(t: Task, serial: int, ringid: int) -> int:
    ring, _ = lookup(t, ringid, create=True, need=KEY_WRITE)
    key, _ = lookup(t, serial, create=True, need=KEY_LINK)
    if ring.type != "keyring":
        raise Errno(ENOTDIR)
    _link(ring, key)
    return 0


def _unlink(t: Task, serial: int, ringid: int) -> int:
    ring, _ = lookup(t, ringid, partial=True, need=KEY_WRITE)
    key, _ = lookup(t, serial, partial=True)
    if ring.type != "keyring":
        raise Errno(ENOTDIR)
    if key not in ring.links:
        raise Errno(ENOENT)
    ring.links.remove(key)
    return 0


def _search_cmd(t: Task, ringid: int, utype: int, udesc: int, destid: int) -> int:
    key_type = _type_from_user(t, utype)
    description = _string(t, udesc, KEY_MAX_DESC_SIZE)
    ring, _ = lookup(t, ringid, need=KEY_SEARCH)
    dest = lookup(t, destid, create=True, need=KEY_WRITE)[0] if s32(destid) else None
    if ring.type != "keyring":
        raise Errno(ENOTDIR)
    if key_type not in keys.TYPES:
        raise Errno(ENOKEY)
    try:
        found = _search(t, [ring], key_type, description)
    except Errno as exc:
        raise Errno(ENOKEY if exc.errno == EAGAIN else exc.errno) from None
    if dest is not None:
        if not keys.permitted(t, found, KEY_LINK, possessed=True):
            raise Errno(EACCES)
        _link(dest, found)
    return found.serial


def _set_reqkey(t: Task, choice: int) -> int:
    mine = keys.task_keys(t)
    old = mine.reqkey_default
    if choice == KEY_REQKEY_DEFL_NO_CHANGE:
        return old
    if not KEY_REQKEY_DEFL_DEFAULT <= choice <= KEY_REQKEY_DEFL_REQUESTOR_KEYRING:
        raise Errno(EINVAL)
    if choice == KEY_REQKEY_DEFL_THREAD_KEYRING:
        keys.thread_keyring(t, create=True)
    elif choice == KEY_REQKEY_DEFL_PROCESS_KEYRING:
        keys.process_keyring(t, create=True)
    elif choice == KEY_REQKEY_DEFL_GROUP_KEYRING:
        raise Errno(EINVAL)  # no group keyrings
    mine.reqkey_default = choice
    return old


def _set_timeout(t: Task, serial: int, seconds: int) -> int:
    key, _ = lookup(t, serial, create=True, partial=True, need=KEY_SETATTR)
    seconds &= 0xFFFFFFFF
    key.expiry = time.monotonic() + seconds if seconds else None
    return 0


def _invalidate(t: Task, serial: int) -> int:
    key, _ = lookup(t, serial, need=KEY_SEARCH)
    key.invalidated = True
    for ring in keys.table(t.machine).keys.values():
        if key in ring.links:
            ring.links.remove(key)
    return 0


def _session_to_parent(t: Task) -> int:
    """keyctl_session_to_parent: the parent process takes the caller's session keyring. Only the keyring
    changes hands: the parent keeps every other part of its credentials, its Landlock domain included
    (key_change_session_keyring and cred_transfer). Linux applies it as the parent next returns to user
    mode; here it is applied at once, which no other process can tell apart."""
    ring, _ = lookup(t, KEY_SPEC_SESSION_KEYRING, need=KEY_LINK)
    parent = t.group.parent
    if parent is None or parent.pid <= 1 or parent.status is not None:
        raise Errno(EPERM)  # neither init nor a kernel thread
    if len(parent.group.threads) != 1:
        raise Errno(EPERM)  # the parent must be single-threaded
    theirs = keys.task_keys(parent)
    if theirs.session is ring:
        return 0
    mine, pcred = t.cred, parent.cred
    if not pcred.uid == pcred.euid == pcred.suid == mine.euid or not pcred.gid == pcred.egid == pcred.sgid == mine.egid:
        raise Errno(EPERM)  # the same effective ownership, and no set-id parent
    if (theirs.session is not None and theirs.session.uid != mine.euid) or ring.uid != mine.euid:
        raise Errno(EPERM)  # both keyrings the caller's
    theirs.session = ring
    return 0


def _get_security(t: Task, serial: int, buf: int, buflen: int) -> int:
    """No security module labels keys here: an empty string, as Linux gives then."""
    lookup(t, serial, partial=True, need=KEY_VIEW)
    if buf and buflen > 0:
        copy_to_user(t.mm, buf, b"\0")
    return 1


@syscall("sys_keyctl")
def sys_keyctl(t: Task, option: int, a2: int, a3: int, a4: int, a5: int, *_: int) -> int:
    option = s32(option)
    if option == KEYCTL_GET_KEYRING_ID:
        return lookup(t, a2, create=bool(a3), partial=True)[0].serial
    if option == KEYCTL_JOIN_SESSION_KEYRING:
        name = _string(t, a2, KEY_MAX_DESC_SIZE) if a2 else None
        if name is not None and name.startswith(b"."):
            raise Errno(EPERM)  # the kernel's own keyrings cannot be joined
        return keys.join_session(t, name).serial
    if option == KEYCTL_SESSION_TO_PARENT:
        return _session_to_parent(t)
    if option == KEYCTL_UPDATE:
        return _update(t, a2, a3, a4)
    if option == KEYCTL_REVOKE:
        return _revoke(t, a2)
    if option == KEYCTL_SETPERM:
        return _setperm(t, a2, a3)
    if option == KEYCTL_DESCRIBE:
        return _describe(t, a2, a3, a4)
    if option == KEYCTL_CLEAR:
        return _clear(t, a2)
    if option == KEYCTL_LINK:
        return _link_cmd(t, a2, a3)
    if option == KEYCTL_UNLINK:
        return _unlink(t, a2, a3)
    if option == KEYCTL_SEARCH:
        return _search_cmd(t, a2, a3, a4, a5)
    if option == KEYCTL_READ:
        return _read(t, a2, a3, a4)
    if option in (KEYCTL_INSTANTIATE, KEYCTL_NEGATE, KEYCTL_REJECT, KEYCTL_INSTANTIATE_IOV):
        raise Errno(EPERM)  # only a request-key helper holding an authorisation key may
    if option == KEYCTL_SET_REQKEY_KEYRING:
        return _set_reqkey(t, s32(a2))
    if option == KEYCTL_SET_TIMEOUT:
        return _set_timeout(t, a2, a3)
    if option == KEYCTL_ASSUME_AUTHORITY:
        if s32(a2) == 0:
            return 0  # giving up an authority one does not hold
        raise Errno(EPERM if s32(a2) > 0 or s32(a2) == KEY_SPEC_REQKEY_AUTH_KEY else EINVAL)
    if option == KEYCTL_GET_SECURITY:
        return _get_security(t, a2, a3, a4)
    if option == KEYCTL_INVALIDATE:
        return _invalidate(t, a2)
    if option == KEYCTL_CHOWN:
        return _chown(t, a2, a3, a4)
    raise Errno(EOPNOTSUPP)


def _chown(t: Task, serial: int, uid: int, gid: int) -> int:
    """keyctl_chown_key: only CAP_SYS_ADMIN changes the owner; the owner may set the group to one of its
    own. -1 leaves an id as it is. The key stays charged to the quota it was made in."""
    uid, gid = s32(uid), s32(gid)
    key, _ = lookup(t, serial, create=True, partial=True, need=KEY_SETATTR)
    admin = t.cred.capable(CAP_SYS_ADMIN)
    if uid != -1 and uid != key.uid and not admin:
        raise Errno(EACCES)
    if gid != -1 and not admin and (key.uid != t.cred.fsuid or not t.cred.in_group(gid)):
        raise Errno(EACCES)
    if uid != -1:
        key.uid = uid
    if gid != -1:
        key.gid = gid
    return 0

