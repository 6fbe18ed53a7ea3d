"""`syscalltbl cache [--info | --clear]`: what the on-disk cache holds, and emptying it.

--info (the default) prints the cache's directory, its size and entry count against the bound
($SYSCALLTBL_CACHE_MAX, default 256 MiB), and the same per kind of entry. --clear removes every
entry (the record of a build still running stays) and says how many went and how much space that freed.
"""

from __future__ import annotations

import argparse
import os

HELP = "show the cache's size, entries and bound (--info), or empty it (--clear)"


def configure(parser: argparse.ArgumentParser) -> None:
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--info", action="store_true", help="path, size, entries and bound, per kind (default)")
    action.add_argument(
        "--clear", action="store_true", help="remove every entry (a running build keeps its record), and say what went"
    )


def run(args: argparse.Namespace) -> int:
    from syscalltbl.store import cachebound, cachedir, cacheevict
    from syscalltbl.tables.errors import SyscalltblError

    try:
        limit = cachebound.bound()
    except ValueError as exc:
        raise SyscalltblError(str(exc)) from None
    root = cachedir.preferred()
    writable = cachedir.root() == root  # else commands cache in a private directory, removed as they exit
    if args.clear and not writable:
        raise SyscalltblError(f"{root}: cannot be written: nothing cleared")
    if args.clear:
        removed, kept = cacheevict.clear(root)
        size = cachebound.describe_size(sum(entry.size for entry in removed))
        print(f"syscalltbl cache: removed {_count(len(removed))} ({size}) from {root}")
        if kept:
            print(f"syscalltbl cache: kept {_count(len(kept))} in use by a running build")
        return 0
    held = cacheevict.entries(root)
    setting = os.environ.get(cachebound.ENV, "").strip()
    shown = "none" if limit is None else cachebound.describe_size(limit)
    where = f"{cachebound.ENV}={setting}" if setting else f"the default; set {cachebound.ENV} to change it, 0 for none"
    print(f"path:     {root}" + ("" if writable else " (cannot be written: each command caches privately)"))
    total = sum(e.size for e in held)
    over = "; over the bound until the next write trims it" if limit is not None and total > limit else ""
    print(f"size:     {cachebound.describe_size(total)} in {_count(len(held))}{over}")
    print(f"bound:    {shown} ({where})")
    if limit is not None:
        low = cachebound.describe_size(int(limit * cacheevict.LOW_WATER))
        print(f"eviction: least recently used first, down to {low}, when a write takes the cache over the bound")
    groups: dict[str, list[cacheevict.Entry]] = {}
    for entry in held:
        groups.setdefault(entry.group, []).append(entry)
    for group in sorted(groups, key=lambda g: (-sum(e.size for e in groups[g]), g)):
        size = cachebound.describe_size(sum(e.size for e in groups[group]))
        print(f"  {group:<24} {size:>10}  {_count(len(groups[group]))}")
    return 0


def _count(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"
