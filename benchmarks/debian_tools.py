"""A Debian tool a benchmark compares against (busybox-static, qemu-user), installed with apt-get when allowed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def installed(tool: str, package: str, install: bool) -> str | None:
    """`tool`'s path, after `apt-get install package` if it is missing and that is allowed here."""
    found = shutil.which(tool)
    if found is None and install and shutil.which("apt-get") and os.geteuid() == 0:
        print(f"installing {package} with apt-get ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=False, env=env, capture_output=True)
        found = shutil.which(tool)
    return found
