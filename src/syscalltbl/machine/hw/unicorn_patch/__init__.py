"""Unicorn 2.1.4 with syscalltbl's patch: the same engine, guest code about twice as fast.

Unicorn's code generator pays, in every translated block, a helper call that
QEMU does inline (the exit check), a second helper call after every guest load
and store, and a jump-cache hash that makes hot indirect-jump targets evict
each other (docs/performance.md). `unicorn-2.1.4-syscalltbl.patch` removes
the three; `unicorn-2.1.4-binding.patch` has the Python binding load the
library from beside itself before its search, which imports `inspect` and
`importlib.resources` (about 10 ms of every start-up).
`python -m syscalltbl.machine.hw.unicorn_patch` builds the patched
library for x86 only from the PyPI sdist, caches the wheel and installs it
over the stock one. The machine runs on either (hw/cpu.py says which).

This package is the build step only: the runtime imports nothing from it but
the constants below.
"""

from __future__ import annotations

from typing import Final

#: What the patched library's uc_syscalltbl_patch_level() answers; raise it with every change to the patch.
PATCH_LEVEL: Final = 2
#: The library's patch, relative to the sdist's src/ directory (package data).
PATCH_FILE: Final = "unicorn-2.1.4-syscalltbl.patch"
#: The Python binding's patch, relative to the sdist's top directory (package data).
BINDING_PATCH_FILE: Final = "unicorn-2.1.4-binding.patch"
#: The sha256 of the two, in that order: tests/test_unicorn_patch.py fails when either changes and PATCH_LEVEL does not.
PATCH_SHA256: Final = "2543d8f2f71eda2a515e84b4c0cff3763348141bc21322adb7755cca768e230e"
#: The sdist the patch applies to, pinned by its hash (PyPI's, checked after download).
SDIST_VERSION: Final = "2.1.4"
SDIST_SHA256: Final = "00567a70e323f749b419cd86bee4f9115beab7ebba32194581c090cbb7c59cff"
#: The wheel's version: a local label, so the runtime's pin unicorn==2.1.4 still matches it (PEP 440).
WHEEL_VERSION: Final = f"{SDIST_VERSION}+syscalltbl{PATCH_LEVEL}"
