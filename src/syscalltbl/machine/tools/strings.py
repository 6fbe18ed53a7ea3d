"""Strings and byte buffers of user memory as strace quotes them."""

from __future__ import annotations

from syscalltbl.machine.tools.formats import Reader

STRING_LIMIT = 32  # strace's default -s
PAGE = 4096


#: The bytes strace shows by a letter (its string_quote).
ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", ord("\f"): "\\f", ord("\n"): "\\n", ord("\r"): "\\r",
           ord("\t"): "\\t", ord("\v"): "\\v"}


def quote(data: bytes, limit: int = STRING_LIMIT) -> str:
    """As strace quotes a string: printable bytes as they are, a few by letter, the rest in octal, with
    three digits where an octal digit follows (so "\\0001" is NUL then "1"); "..." past `limit`."""
    shown = data[:limit]
    out = []
    for i, b in enumerate(shown):
        if b in ESCAPES:
            out.append(ESCAPES[b])
        elif 32 <= b < 127:
            out.append(chr(b))
        elif i + 1 < len(shown) and 0x30 <= shown[i + 1] <= 0x37:
            out.append(f"\\{b:03o}")
        else:
            out.append(f"\\{b:o}")
    return '"' + "".join(out) + '"' + ("..." if len(data) > limit else "")


def read_string(read: Reader, addr: int, limit: int = PAGE) -> bytes | None:
    """The NUL-terminated string at `addr` (at most `limit` bytes), or None where it faults first."""
    out = b""
    while len(out) < limit:
        chunk = read(addr, min(PAGE - addr % PAGE, limit - len(out)))
        if chunk is None:
            return None
        end = chunk.find(b"\0")
        if end >= 0:
            return out + chunk[:end]
        out += chunk
        addr += len(chunk)
    return out


def path(read: Reader, addr: int) -> str:
    """A path argument: in full, as strace never shortens a file name."""
    if not addr:
        return "NULL"
    name = read_string(read, addr)
    return hex(addr) if name is None else quote(name, PAGE)


def string(read: Reader, addr: int) -> str:
    """A string argument, shortened past STRING_LIMIT."""
    if not addr:
        return "NULL"
    text = read_string(read, addr, STRING_LIMIT + 1)
    return hex(addr) if text is None else quote(text)


def buffer(read: Reader, addr: int, size: int, *, omit_trailing_nul: bool = False) -> str:
    """`size` bytes at `addr` (printstr_ex): shortened past STRING_LIMIT, the address where they fault."""
    if not addr:
        return "NULL"
    take = min(size, STRING_LIMIT + 1)
    data = read(addr, take) if take else b""
    if data is None:
        return hex(addr)
    if omit_trailing_nul and take == size and data.endswith(b"\0"):
        data = data[:-1]
    return quote(data)
