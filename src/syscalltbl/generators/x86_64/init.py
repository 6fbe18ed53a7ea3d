"""Render the machine's init (its PID 1) from the table: init.S and the constants it uses.

The system-call numbers come from the table; the signal, errno and flag
values from the caller (the machine's uapi), which this layer cannot import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from syscalltbl.generators.x86_64.kernel import Syscall

GENERATOR = "generators/x86_64/init.py"
#: What init.S calls, by table name.
CALLS = ("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "fork", "setpgid", "chdir", "execve", "wait4", "kill",
         "exit_group")
#: The constants init.S names besides the calls' numbers (the caller gives their values).
CONSTANTS = ("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK", "SIG_DFL", "SA_RESTORER", "SA_RESTART", "__WALL", "EINTR",
             "ENOENT")


def render_init(
    syscalls: Sequence[Syscall], constants: Mapping[str, int], forwarded: Sequence[int], *, source: str
) -> dict[str, str]:
    """init.S and init-consts.inc; `forwarded` are the signals passed on to the program's group."""
    numbers = {s.name: s.number for s in syscalls}
    missing = [name for name in CALLS if name not in numbers]
    if missing:
        raise ValueError(f"the table lacks what init needs: {', '.join(missing)}")
    consts = {f"__NR_{name}": numbers[name] for name in CALLS}
    consts.update({name: constants[name] for name in CONSTANTS})
    consts["FORWARDED_MASK"] = sum(1 << (sig - 1) for sig in forwarded)
    common = {"generator": GENERATOR, "source": source}
    # Here: a machine whose init is cached imports this module for the name, not Jinja2's environment.
    from syscalltbl.generators.jinja_env import render

    return {
        "init-consts.inc": render("x86_64/asm-offsets.inc.j2", offsets=sorted(consts.items()), **common),
        "init.S": render("x86_64/init/init.S.j2", forwarded=list(forwarded), **common),
    }
