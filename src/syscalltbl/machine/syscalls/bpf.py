"""bpf(2)'s map commands (kernel/bpf/syscall.c): BPF_MAP_CREATE of array and hash maps, and the element
commands LOOKUP, UPDATE, DELETE and GET_NEXT_KEY on their descriptors.

The machine loads no BPF programs: every other command is EINVAL, as a
command this kernel does not know. kernel.unprivileged_bpf_disabled starts
at 2 (BPF_UNPRIV_DEFAULT_OFF, distributions' default): while it is set,
making a map takes CAP_BPF or CAP_SYS_ADMIN.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.bpfmap import BpfMap, check_map_attr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.bpf import (
    BPF_ATTR_MAX,
    BPF_F_RDONLY,
    BPF_F_RDONLY_PROG,
    BPF_F_WRONLY,
    BPF_F_WRONLY_PROG,
    BPF_MAP_CREATE,
    BPF_MAP_DELETE_ELEM,
    BPF_MAP_GET_NEXT_KEY,
    BPF_MAP_LOOKUP_ELEM,
    BPF_MAP_UPDATE_ELEM,
    MAP_CREATE_ATTR,
    MAP_ELEM_ATTR,
)
from syscalltbl.machine.uapi.capability import CAP_BPF, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import E2BIG, EBADF, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_PATH, O_RDONLY, O_RDWR, O_WRONLY


def _attr(t: Task, uattr: int, size: int, used: int) -> bytes:
    """The command's part of union bpf_attr, zero-extended; EINVAL when bytes past it are set (CHECK_ATTR)."""
    if size > BPF_ATTR_MAX:
        raise Errno(E2BIG)
    raw = copy_from_user(t.mm, uattr, size) if size else b""
    if any(raw[used:]):
        raise Errno(EINVAL)
    return raw[:used].ljust(used, b"\0")


def _file_flags(map_flags: int) -> int:
    """bpf_get_file_flag: the descriptor's access mode from BPF_F_RDONLY / BPF_F_WRONLY."""
    if map_flags & BPF_F_RDONLY:
        return O_RDONLY
    if map_flags & BPF_F_WRONLY:
        return O_WRONLY
    return O_RDWR


def map_create(t: Task, attr: bytes) -> int:
    (map_type, key_size, value_size, max_entries, map_flags, inner_map_fd, numa_node, _name, map_ifindex, btf_fd,
     btf_key, btf_value, btf_vmlinux, map_extra, btf_obj_fd, token_fd) = MAP_CREATE_ATTR.unpack(attr)
    if ((map_flags & BPF_F_RDONLY and map_flags & BPF_F_WRONLY)
            or (map_flags & BPF_F_RDONLY_PROG and map_flags & BPF_F_WRONLY_PROG)):
        raise Errno(EINVAL)  # bpf_map_flags_access_ok
    if map_extra or btf_vmlinux or btf_obj_fd or token_fd or map_ifindex or inner_map_fd:
        raise Errno(EINVAL)  # no BTF, offload, inner maps or tokens here: nothing these could name
    if btf_key or btf_value or btf_fd:
        raise Errno(EINVAL)
    del numa_node
    if t.machine.sysctl.fdkinds.unprivileged_bpf_disabled and not (
            t.cred.capable(CAP_BPF) or t.cred.capable(CAP_SYS_ADMIN)):
        raise Errno(EPERM)
    check_map_attr(map_type, key_size, value_size, max_entries, map_flags)
    bpf_map = BpfMap(map_type, key_size, value_size, max_entries, map_flags, map_extra, t.machine.ram)
    f = OpenFile(bpf_map, _file_flags(map_flags), b"anon_inode:bpf-map")
    try:
        return t.files.install(f, cloexec=True, limit=t.nofile())  # bpf_map_new_fd: O_CLOEXEC always
    except Errno:
        bpf_map.release(f)
        raise


def _map(t: Task, fd: int) -> tuple[OpenFile, BpfMap]:
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)
    if not isinstance(f.inode, BpfMap):
        raise Errno(EINVAL)  # __bpf_map_get: not a map's file
    return f, f.inode


def map_elem(t: Task, cmd: int, attr: bytes) -> int:
    map_fd, ukey, uvalue, flags = MAP_ELEM_ATTR.unpack(attr)
    f, bpf_map = _map(t, map_fd)
    if cmd == BPF_MAP_LOOKUP_ELEM:
        if flags:
            raise Errno(EINVAL)  # only BPF_F_LOCK, and no map here has a spin lock
        if not f.readable():
            raise Errno(EPERM)
        value = bpf_map.lookup(copy_from_user(t.mm, ukey, bpf_map.key_size))
        copy_to_user(t.mm, uvalue, value)
    elif cmd == BPF_MAP_UPDATE_ELEM:
        if not f.writable():
            raise Errno(EPERM)
        key = copy_from_user(t.mm, ukey, bpf_map.key_size)
        bpf_map.update(key, copy_from_user(t.mm, uvalue, bpf_map.value_size), flags)
    elif cmd == BPF_MAP_DELETE_ELEM:
        if not f.writable():
            raise Errno(EPERM)
        bpf_map.delete(copy_from_user(t.mm, ukey, bpf_map.key_size))
    else:  # BPF_MAP_GET_NEXT_KEY: the value field is next_key
        if not f.readable():
            raise Errno(EPERM)
        current = copy_from_user(t.mm, ukey, bpf_map.key_size) if ukey else None
        copy_to_user(t.mm, uvalue, bpf_map.next_key(current))
    return 0


@syscall("sys_bpf")
def sys_bpf(t: Task, cmd: int, uattr: int, size: int, *_: int) -> int:
    cmd, size = s32(cmd), size & 0xFFFFFFFF
    if cmd == BPF_MAP_CREATE:
        return map_create(t, _attr(t, uattr, size, MAP_CREATE_ATTR.size))
    if cmd in (BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY):
        return map_elem(t, cmd, _attr(t, uattr, size, MAP_ELEM_ATTR.size))
    if size > BPF_ATTR_MAX:
        raise Errno(E2BIG)
    raise Errno(EINVAL)  # a command for programs, links, BTF or objects: none of those here


