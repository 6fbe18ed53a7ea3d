"""Unicorn 2.1.4 with syscalltbl's patch: the same engine, guest code about twice as fast.

Unicorn's code generator pays, in every translated block, a helper call that
QEMU does inline (the exit check), a second helper call after every guest load
and store, and a jump-cache hash that makes hot indirect-jump targets evict
each other (docs/performance.md). `unicorn-2.1.4-syscalltbl.patch` removes
the three; `python -m syscalltbl.machine.hw.unicorn_patch` builds the patched
library for x86 only from the PyPI sdist, caches the wheel and installs it
over the stock one. The machine runs on either (hw/cpu.py says which).

This package is the build step only: the runtime imports nothing from it but
the constants below.
"""

from __future__ import annotations

from typing import Final

#: What the patched library's uc_syscalltbl_patch_level() answers; raise it with every change to the patch.
PATCH_LEVEL: Final = 1
#: The patch, relative to the sdist's src/ directory (package data).
PATCH_FILE: Final = "unicorn-2.1.4-syscalltbl.patch"
#: Its sha256: tests/test_unicorn_patch.py fails when the patch changes and PATCH_LEVEL does not.
PATCH_SHA256: Final = "b885039780c77bce517fea215ab4cdc49e19017aeaeb2669c620c88c32cd5156"
#: The sdist the patch applies to, pinned by its hash (PyPI's, checked after download).
SDIST_VERSION: Final = "2.1.4"
SDIST_SHA256: Final = "00567a70e323f749b419cd86bee4f9115beab7ebba32194581c090cbb7c59cff"
#: The wheel's version: a local label, so the runtime's pin unicorn==2.1.4 still matches it (PEP 440).
WHEEL_VERSION: Final = f"{SDIST_VERSION}+syscalltbl{PATCH_LEVEL}"
