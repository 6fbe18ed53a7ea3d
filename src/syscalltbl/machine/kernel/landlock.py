"""Landlock (security/landlock/): rulesets, the domains they become, and the checks a domain makes.

A ruleset (ruleset.c) names the access rights it handles and holds rules:
an inode with the rights allowed beneath it (PATH_BENEATH), a TCP port with
the rights allowed on it (NET_PORT). landlock_restrict_self stacks a frozen
copy of it onto the calling thread's domain as a new layer (at most
LANDLOCK_MAX_NUM_LAYERS); the domain lives in the credentials (cred.h), so it
goes over fork, clone and execve, and only grows.

An access is allowed when every layer that handles it allows it: for a
file, a rule of that layer on the file or on a directory above it, up to
the mount namespace's root, grants it (fs.c's is_access_to_paths_allowed);
for a port, the layer's rule on that port does (net.c). Scopes (task.c) stop
a layered task from reaching out of its domain: connecting to an abstract
Unix socket, or signalling a process, whose domain is not beneath the layer
that set the scope.

Each rule is charged to RAM as the kernel object it is (a struct
landlock_rule with one layer), so a program adding rules without end meets
ENOMEM.
"""

from __future__ import annotations

import stat
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, cast

from syscalltbl.machine.kernel.xattr import Charge
from syscalltbl.machine.uapi.errno import E2BIG, EACCES, EAFNOSUPPORT, EINVAL, ENOMEM, ENOMSG, EXDEV, Errno
from syscalltbl.machine.uapi.landlock import (
    LANDLOCK_ACCESS_FS_EXECUTE,
    LANDLOCK_ACCESS_FS_IOCTL_DEV,
    LANDLOCK_ACCESS_FS_MAKE_BLOCK,
    LANDLOCK_ACCESS_FS_MAKE_CHAR,
    LANDLOCK_ACCESS_FS_MAKE_DIR,
    LANDLOCK_ACCESS_FS_MAKE_FIFO,
    LANDLOCK_ACCESS_FS_MAKE_REG,
    LANDLOCK_ACCESS_FS_MAKE_SOCK,
    LANDLOCK_ACCESS_FS_MAKE_SYM,
    LANDLOCK_ACCESS_FS_READ_DIR,
    LANDLOCK_ACCESS_FS_READ_FILE,
    LANDLOCK_ACCESS_FS_REFER,
    LANDLOCK_ACCESS_FS_REMOVE_DIR,
    LANDLOCK_ACCESS_FS_REMOVE_FILE,
    LANDLOCK_ACCESS_FS_TRUNCATE,
    LANDLOCK_ACCESS_FS_WRITE_FILE,
    LANDLOCK_ACCESS_NET_CONNECT_TCP,
    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET,
    LANDLOCK_SCOPE_SIGNAL,
)
from syscalltbl.machine.uapi.socket import AF_INET, AF_INET6, AF_UNSPEC

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.mount import MountNamespace
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import Directory, Inode

#: The ABI this implementation gives (Linux 6.15 to 6.18: the rights up to IOCTL_DEV, the two scopes, and
#: restrict_self's logging flags, which only audit reads: this kernel has no audit to log to).
LANDLOCK_ABI_VERSION: Final = 7
#: The errata fixed (security/landlock/errata/): TCP rules hold for TCP sockets only (ABI 4, #1), and
#: signal scoping lets a thread signal its own process's other threads (ABI 6, #2).
LANDLOCK_ERRATA: Final = 0b11
LANDLOCK_MAX_NUM_LAYERS: Final = 16

LANDLOCK_MASK_ACCESS_FS: Final = (LANDLOCK_ACCESS_FS_IOCTL_DEV << 1) - 1
LANDLOCK_MASK_ACCESS_NET: Final = (LANDLOCK_ACCESS_NET_CONNECT_TCP << 1) - 1
LANDLOCK_MASK_SCOPE: Final = (LANDLOCK_SCOPE_SIGNAL << 1) - 1
#: The rights that make sense on a file (ACCESS_FILE): a rule on anything but a directory takes only these.
ACCESS_FILE: Final = (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE
                      | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)  # fmt: skip
#: What a rule costs in kernel memory: struct landlock_rule with one layer, and its tree node.
RULE_BYTES: Final = 64
_SA_FAMILY_END: Final = 2
SOCKADDR_IN_SIZE: Final = 16
RULESET_BYTES: Final = 256

_MAKE_ACCESS: Final = {
    stat.S_IFREG: LANDLOCK_ACCESS_FS_MAKE_REG,
    stat.S_IFDIR: LANDLOCK_ACCESS_FS_MAKE_DIR,
    stat.S_IFCHR: LANDLOCK_ACCESS_FS_MAKE_CHAR,
    stat.S_IFBLK: LANDLOCK_ACCESS_FS_MAKE_BLOCK,
    stat.S_IFIFO: LANDLOCK_ACCESS_FS_MAKE_FIFO,
    stat.S_IFSOCK: LANDLOCK_ACCESS_FS_MAKE_SOCK,
    stat.S_IFLNK: LANDLOCK_ACCESS_FS_MAKE_SYM,
}


def _release(charge: Charge) -> None:
    charge.add(-charge.bytes)


class Ruleset:
    """struct landlock_ruleset with one layer, being built through its descriptor (or frozen into a domain)."""

    def __init__(self, ram: PhysicalMemory | None, handled_fs: int, handled_net: int, scoped: int) -> None:
        if not (handled_fs or handled_net or scoped):
            raise Errno(ENOMSG)
        self.handled_fs, self.handled_net, self.scoped = handled_fs, handled_net, scoped
        self.fs_rules: dict[Inode, int] = {}
        self.net_rules: dict[int, int] = {}
        self.charge = Charge(weakref.ref(ram) if ram is not None else None)
        self._grow(RULESET_BYTES)
        weakref.finalize(self, _release, self.charge).atexit = False

    def _grow(self, size: int) -> None:
        if not self.charge.fits(size):
            raise Errno(ENOMEM)
        self.charge.add(size)

    def add_fs_rule(self, inode: Inode, access: int) -> None:
        """landlock_append_fs_rule: rights for one inode add up."""
        if inode not in self.fs_rules:
            self._grow(RULE_BYTES)
        self.fs_rules[inode] = self.fs_rules.get(inode, 0) | access

    def add_net_rule(self, port: int, access: int) -> None:
        if port not in self.net_rules:
            self._grow(RULE_BYTES)
        self.net_rules[port] = self.net_rules.get(port, 0) | access

    def frozen(self, ram: PhysicalMemory | None) -> Ruleset:
        """The layer a restrict_self makes: a copy that later rules added through the descriptor leave alone."""
        layer = Ruleset(ram, self.handled_fs, self.handled_net, self.scoped)
        layer._grow(RULE_BYTES * (len(self.fs_rules) + len(self.net_rules)))
        layer.fs_rules, layer.net_rules = dict(self.fs_rules), dict(self.net_rules)
        return layer


#: A domain: its layers, oldest first. Each layer is an object of its own, the domain's hierarchy node:
#: two domains share an ancestor exactly when they hold the same layer at the same depth.
Domain = tuple[Ruleset, ...]


def merge(domain: Domain | None, ruleset: Ruleset, ram: PhysicalMemory | None) -> Domain:
    """landlock_merge_ruleset: the domain with one more layer."""
    layers = domain or ()
    if len(layers) >= LANDLOCK_MAX_NUM_LAYERS:
        raise Errno(E2BIG)
    return (*layers, ruleset.frozen(ram))


# -- the filesystem --


def ancestors(ns: MountNamespace, directory: Directory) -> Iterator[Directory]:
    """`directory` and those above it up to the mount namespace's root (the path walk of
    is_access_to_paths_allowed, which goes to the real root whatever a chroot says). A mount's root leads to
    its mountpoint's parent: the mountpoint itself is hidden, its rules never seen."""
    top = ns.root.root
    seen: set[int] = set()
    while True:
        yield directory
        while directory is not top:
            point = ns.mountpoint_of(directory)
            if point is None or id(point) in seen:
                break
            seen.add(id(point))
            directory = point  # follow_up, again while the mountpoint is a mount's root too
        if directory is top:
            return
        up = directory.parent
        if up is directory:
            return  # the root of a filesystem mounted nowhere here
        directory = up


def allowed_fs(domain: Domain, ns: MountNamespace, directory: Directory, node: Inode | None) -> list[int]:
    """For each layer, the rights its rules grant on `node` in `directory` (None, or a directory: from
    there up)."""
    granted = [0] * len(domain)
    if node is not None and stat.S_ISDIR(node.mode):
        directory, node = cast("Directory", node), None
    chain: list[Inode] = [node] if node is not None else []
    for at in (*chain, *ancestors(ns, directory)):
        for i, layer in enumerate(domain):
            if layer.fs_rules:
                granted[i] |= layer.fs_rules.get(at, 0)
    return granted


def check_fs(domain: Domain | None, ns: MountNamespace, directory: Directory, node: Inode | None,
             access: int) -> None:
    """EACCES unless every layer handling a right of `access` grants it on the path."""
    if not domain or not access:
        return
    if not any(layer.handled_fs & access for layer in domain):
        return
    granted = allowed_fs(domain, ns, directory, node)
    for layer, allowed in zip(domain, granted, strict=True):
        if access & layer.handled_fs & ~allowed:
            raise Errno(EACCES)


def check_path(task: Task, directory: Directory, node: Inode | None, access: int) -> None:
    """The hooks' one question: may `task` do `access` to `node` in `directory` (None: to the directory)?"""
    domain = task.cred.landlock
    if domain:
        check_fs(domain, task.machine.fs.namespace(task), directory, node, access)


def check_move(task: Task, src_dir: Directory, node: Inode, dst_dir: Directory, existing: Inode | None, *,
               removable: bool, exchange: bool = False) -> None:
    """current_check_refer_path, for rename (`removable`: the old name goes), RENAME_EXCHANGE and link: the
    make and remove rights on each side (EACCES), then, when the file changes directory, REFER and no right
    gained (EXDEV)."""
    domain = task.cred.landlock
    if not domain:
        return
    src_access = remove_access(node) if removable else 0
    dst_access = make_access(node.mode)
    if removable and existing is not None:
        dst_access |= remove_access(existing)
    if exchange and existing is not None:
        src_access |= make_access(existing.mode)
    ns = task.machine.fs.namespace(task)
    if src_dir is dst_dir:
        check_fs(domain, ns, dst_dir, None, src_access | dst_access)
        return
    check_fs(domain, ns, src_dir, None, src_access)
    check_fs(domain, ns, dst_dir, None, dst_access)
    check_refer(domain, ns, src_dir, node, dst_dir)
    if exchange and existing is not None:
        check_refer(domain, ns, dst_dir, existing, src_dir)


#: Device ioctls that need no IOCTL_DEV right (is_masked_device_ioctl): FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC
#: (fcntl does as much), FIOQSIZE, FIFREEZE, FITHAW, FS_IOC_FIEMAP, FIGETBSZ, FICLONE, FICLONERANGE and
#: FIDEDUPERANGE (the filesystem's, not the device's).
_FREE_DEVICE_IOCTLS: Final = frozenset({0x5451, 0x5450, 0x5421, 0x5452, 0x5460, 0xC0045877, 0xC0045878,
                                        0xC020660B, 2, 0x40049409, 0x4020940D, 0xC0189436})


def check_ioctl(rights: int, mode: int, request: int) -> None:
    """hook_file_ioctl: an ioctl on a character or block device needs IOCTL_DEV, as allowed at open."""
    if rights & LANDLOCK_ACCESS_FS_IOCTL_DEV or not (stat.S_ISCHR(mode) or stat.S_ISBLK(mode)):
        return
    if request & 0xFFFFFFFF not in _FREE_DEVICE_IOCTLS:
        raise Errno(EACCES)


def handled_fs(domain: Domain | None) -> int:
    return 0 if not domain else _union(layer.handled_fs for layer in domain)


def _union(masks: Iterator[int]) -> int:
    total = 0
    for mask in masks:
        total |= mask
    return total


def make_access(mode: int) -> int:
    """get_mode_access: the right that making a file of `mode`'s type needs."""
    return _MAKE_ACCESS.get(stat.S_IFMT(mode), 0)


def remove_access(node: Inode) -> int:
    return LANDLOCK_ACCESS_FS_REMOVE_DIR if stat.S_ISDIR(node.mode) else LANDLOCK_ACCESS_FS_REMOVE_FILE


def open_access(node: Inode, *, read: bool, write: bool, execute: bool) -> int:
    """get_required_file_open_access: what opening `node` with this mode asks for."""
    if stat.S_ISDIR(node.mode):
        return LANDLOCK_ACCESS_FS_READ_DIR if read else 0
    access = LANDLOCK_ACCESS_FS_READ_FILE if read else 0
    if write:
        access |= LANDLOCK_ACCESS_FS_WRITE_FILE
    if execute:
        access |= LANDLOCK_ACCESS_FS_EXECUTE
    return access


def opened_rights(domain: Domain | None, ns: MountNamespace, directory: Directory, node: Inode) -> int:
    """hook_file_open's allowed_access for the rights used later on the open file (ftruncate, ioctl): those
    every handling layer grants, and those no layer handles."""
    optional = LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV
    if not domain:
        return optional
    granted = allowed_fs(domain, ns, directory, node)
    allowed = optional
    for layer, grant in zip(domain, granted, strict=True):
        allowed &= ~(layer.handled_fs & ~grant)
    return allowed


def check_refer(domain: Domain | None, ns: MountNamespace, old_dir: Directory, node: Inode,
                new_dir: Directory) -> None:
    """current_check_refer_path for a file that changes directory (rename, link): EXDEV unless every layer
    handles and grants REFER on both sides and the file gains no right where it goes."""
    if not domain or old_dir is new_dir:
        return
    if not handled_fs(domain):
        return
    old = allowed_fs(domain, ns, old_dir, None)
    new = allowed_fs(domain, ns, new_dir, None)
    # REFER is denied unless granted in every layer, even one handling no filesystem right
    # (LANDLOCK_ACCESS_FS_INITIALLY_DENIED), once some layer handles one.
    for layer, before, after in zip(domain, old, new, strict=True):
        refer = LANDLOCK_ACCESS_FS_REFER
        if not layer.handled_fs & refer or not before & refer or not after & refer:
            raise Errno(EXDEV)
        # The rights the file would hold beneath its new directory, and not beneath its old one.
        rights = layer.handled_fs & ~refer
        if not stat.S_ISDIR(node.mode):
            rights &= ACCESS_FILE
        if after & rights & ~before:
            raise Errno(EXDEV)


# -- the network --


def check_port(domain: Domain | None, port: int, access: int) -> None:
    """current_check_access_socket's verdict: EACCES unless each layer handling `access` has a rule for `port`
    that grants it."""
    if not domain:
        return
    for layer in domain:
        if access & layer.handled_net and not layer.net_rules.get(port, 0) & access:
            raise Errno(EACCES)


def check_socket(domain: Domain | None, family: int, tcp: bool, raw: bytes, access: int) -> None:
    """current_check_access_socket, before bind or connect: the address's own errors Landlock must see
    (EINVAL, EAFNOSUPPORT), then the port's verdict. Only TCP sockets, and only under a layer handling
    `access`."""
    if not tcp or not handles_net(domain, access):
        return
    if len(raw) < _SA_FAMILY_END:
        raise Errno(EINVAL)
    sa_family = int.from_bytes(raw[:2], "little")
    if sa_family in (AF_UNSPEC, AF_INET):
        if len(raw) < SOCKADDR_IN_SIZE:
            raise Errno(EINVAL)
    elif sa_family == AF_INET6:
        # Imported by a socket's check: landlock is on every run's path (the filesystem's hooks), sockets not.
        from syscalltbl.machine.uapi.inet import SIN6_LEN_RFC2133

        if len(raw) < SIN6_LEN_RFC2133:
            raise Errno(EINVAL)
    else:
        return
    if sa_family == AF_UNSPEC:
        if access == LANDLOCK_ACCESS_NET_CONNECT_TCP:
            return  # dissolving an association is dropping, never gaining, a reach
        if family != AF_INET:
            raise Errno(EINVAL)
        if any(raw[4:8]):
            raise Errno(EAFNOSUPPORT)  # __inet_bind takes AF_UNSPEC for INADDR_ANY alone
    elif family != sa_family:
        raise Errno(EINVAL)
    check_port(domain, int.from_bytes(raw[2:4], "big"), access)


def handles_net(domain: Domain | None, access: int) -> bool:
    return bool(domain) and any(layer.handled_net & access for layer in domain or ())


# -- scopes --


def scoped(client: Domain | None, server: Domain | None, scope: int) -> bool:
    """domain_is_scoped: whether a layer of the client's domain with `scope` set is not an ancestor of the
    server's domain (so the client may not reach the server)."""
    if not client:
        return False
    theirs = server or ()
    for depth, layer in enumerate(client):
        if layer.scoped & scope and (depth >= len(theirs) or theirs[depth] is not layer):
            return True
    return False


def abstract_unix_denied(client: Domain | None, server: Domain | None) -> bool:
    return scoped(client, server, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET)


def signal_denied(sender: Domain | None, target: Domain | None) -> bool:
    return scoped(sender, target, LANDLOCK_SCOPE_SIGNAL)

