"""--trace lines of add_key, request_key and keyctl, as strace's keyctl.c prints them.

A key id is a KEY_SPEC_* name or its number; keyctl's command is named and
its arguments printed as that command takes them (a payload as a string of
its length, a buffer the kernel filled as what it holds after the call).
"""

from __future__ import annotations

from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Arguments, Reader, address, printflags, signed
from syscalltbl.machine.tools.strings import buffer, string
from syscalltbl.machine.uapi import keyctl

KEY_SPECS = uapi.names(keyctl, "KEY_SPEC_")
REQKEY_DEFAULTS = uapi.names(keyctl, "KEY_REQKEY_DEFL_")
COMMANDS = uapi.names(keyctl, "KEYCTL_")
#: The permission bits, possessor's first, as strace's key_perms lists them.
PERMS = tuple(
    (f"KEY_{who}_{what}", bit << shift)
    for who, shift in (("POS", keyctl.KEY_POS_SHIFT), ("USR", keyctl.KEY_USR_SHIFT), ("GRP", keyctl.KEY_GRP_SHIFT),
                       ("OTH", 0))
    for what, bit in (("VIEW", keyctl.KEY_VIEW), ("READ", keyctl.KEY_READ), ("WRITE", keyctl.KEY_WRITE),
                      ("SEARCH", keyctl.KEY_SEARCH), ("LINK", keyctl.KEY_LINK), ("SETATTR", keyctl.KEY_SETATTR))
)


def key_id(value: int) -> str:
    value = signed(value, 32)
    return KEY_SPECS.get(value, str(value))


def _filled(read: Reader, addr: int, size: int, ret: int, *, text: bool) -> str:
    """A buffer the call wrote: what it holds after the call, the address if the call failed."""
    if ret < 0 or not addr:
        return address(addr)
    return buffer(read, addr, min(ret, size), omit_trailing_nul=text)


def keyctl_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    cmd = signed(args[0], 32)
    name = COMMANDS.get(cmd)
    if name is None:
        return f"{cmd & 0xFFFFFFFF:#x} /* KEYCTL_??? */, {args[1]:#x}, {args[2]:#x}, {args[3]:#x}, {args[4]:#x}"
    a1, a2, a3, a4 = args[1:5]
    if cmd == keyctl.KEYCTL_GET_KEYRING_ID:
        rest = [key_id(a1), str(signed(a2, 32))]
    elif cmd == keyctl.KEYCTL_JOIN_SESSION_KEYRING:
        rest = [string(read, a1)]
    elif cmd in (keyctl.KEYCTL_UPDATE, keyctl.KEYCTL_INSTANTIATE):
        rest = [key_id(a1), buffer(read, a2, a3), str(a3)]
        if cmd == keyctl.KEYCTL_INSTANTIATE:
            rest.append(key_id(a4))
    elif cmd in (keyctl.KEYCTL_REVOKE, keyctl.KEYCTL_CLEAR, keyctl.KEYCTL_INVALIDATE):
        rest = [key_id(a1)]
    elif cmd in (keyctl.KEYCTL_READ, keyctl.KEYCTL_DESCRIBE, keyctl.KEYCTL_GET_SECURITY):
        rest = [key_id(a1), _filled(read, a2, a3, ret, text=cmd != keyctl.KEYCTL_READ), str(a3)]
    elif cmd == keyctl.KEYCTL_SETPERM:
        rest = [key_id(a1), printflags(a2 & 0xFFFFFFFF, PERMS, "KEY_???")]
    elif cmd in (keyctl.KEYCTL_LINK, keyctl.KEYCTL_UNLINK):
        rest = [key_id(a1), key_id(a2)]
    elif cmd == keyctl.KEYCTL_SEARCH:
        rest = [key_id(a1), string(read, a2), string(read, a3), key_id(a4)]
    elif cmd == keyctl.KEYCTL_SET_REQKEY_KEYRING:
        value = signed(a1, 32)
        rest = [REQKEY_DEFAULTS.get(value, f"{value} /* KEY_REQKEY_DEFL_??? */")]
    elif cmd == keyctl.KEYCTL_SET_TIMEOUT:
        rest = [key_id(a1), str(a2 & 0xFFFFFFFF)]
    elif cmd == keyctl.KEYCTL_CHOWN:
        rest = [key_id(a1), str(signed(a2, 32)), str(signed(a3, 32))]
    else:
        rest = [f"{a:#x}" for a in (a1, a2, a3, a4)]
    return ", ".join([name, *rest])


def add_key_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return (f"{string(read, args[0])}, {string(read, args[1])}, {buffer(read, args[2], args[3])}, {args[3]}, "
            f"{key_id(args[4])}")


def request_key_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return f"{string(read, args[0])}, {string(read, args[1])}, {string(read, args[2])}, {key_id(args[3])}"


KEY_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_keyctl": keyctl_arguments, "sys_add_key": add_key_arguments, "sys_request_key": request_key_arguments,
}
