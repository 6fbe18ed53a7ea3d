"""syscalltbl's Unicorn patch (machine/hw/unicorn_patch): its applier, its pin, and the engine's contract.

The engine tests hold for the stock library and the patched one alike: they
are what the patch must keep (a hook's uc_emu_stop stops before the next
block, a refused store stops at the storing instruction, a memory hook stops
right after its access), whichever library this environment runs.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import pytest
from unicorn import x86_const as x86

from syscalltbl.machine.hw import cpu
from syscalltbl.machine.hw.unicorn_patch import BINDING_PATCH_FILE, PATCH_LEVEL, PATCH_SHA256, udiff
from syscalltbl.machine.hw.unicorn_patch.build import patch_text, patches_sha256

# The binding is only partly typed (as in hw/cpu.py).
unicorn: Any = importlib.import_module("unicorn")

CODE = 0x1000
DATA = 0x2000
UNMAPPED = 0x200000

_INC_RAX = bytes.fromhex("48ffc0")
_JMP_NEXT = bytes.fromhex("eb00")  # jmp to the next instruction: ends the block
_MOV_RBX_7 = bytes.fromhex("48c7c307000000")


def _store_rax(address: int) -> bytes:
    return bytes.fromhex("48890425") + address.to_bytes(4, "little")  # mov [disp32], rax


def _engine(code: bytes) -> Any:
    uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    uc.mem_map(CODE, 0x1000)
    uc.mem_map(DATA, 0x1000)
    uc.mem_write(CODE, code)
    return uc


# -- the patch file and its applier --


def test_the_patch_is_the_one_its_level_names() -> None:
    """A changed patch (the library's or the binding's) needs a new PATCH_LEVEL, or an old wheel would pass for it."""
    digest = patches_sha256()
    assert digest == PATCH_SHA256, f"patch changed: raise PATCH_LEVEL (now {PATCH_LEVEL}) and set PATCH_SHA256"
    library = hashlib.sha256(patch_text().encode()).hexdigest()
    assert digest != library, "the binding's patch is part of the pin"


def test_the_patch_parses_into_whole_hunks() -> None:
    files = udiff.parse(patch_text())
    assert {f.path for f in files} >= {"qemu/include/exec/gen-icount.h", "qemu/include/exec/tb-hash.h", "uc.c"}
    assert all(f.hunks for f in files)
    binding = udiff.parse(patch_text(BINDING_PATCH_FILE))
    assert [f.path for f in binding] == ["unicorn/unicorn_py3/unicorn.py"]
    assert all(f.hunks for f in binding)


_ORIGINAL = "one\ntwo\nthree\nfour\nfive\n"
_DIFF = """--- a/f.txt
+++ b/f.txt
@@ -2,3 +2,4 @@
 two
-three
+THREE
+three and a half
 four
"""


def test_udiff_applies_a_hunk_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(_ORIGINAL)
    assert udiff.apply(_DIFF, tmp_path) == ["f.txt"]
    assert (tmp_path / "f.txt").read_text() == "one\ntwo\nTHREE\nthree and a half\nfour\nfive\n"


def test_udiff_refuses_a_mismatch_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(_ORIGINAL.replace("three", "3"))
    (tmp_path / "g.txt").write_text("x\n")
    other = "--- a/g.txt\n+++ b/g.txt\n@@ -1 +1 @@\n-x\n+y\n"
    with pytest.raises(udiff.PatchError, match=r"f.txt:3: expected 'three'"):
        udiff.apply(other + _DIFF, tmp_path)
    assert (tmp_path / "g.txt").read_text() == "x\n"  # checked before any file was written


def test_udiff_refuses_a_short_hunk() -> None:
    with pytest.raises(udiff.PatchError, match="ends early"):
        udiff.parse(_DIFF.replace(" four\n", ""))


# -- the engine's contract, stock or patched --


def test_engine_names_what_runs() -> None:
    level = cpu.patch_level()
    assert ("stock" in cpu.engine()) == (level == 0)
    assert (f"patch level {level}" in cpu.engine()) == (level != 0)


def test_a_block_hooks_stop_leaves_before_the_blocks_first_instruction() -> None:
    """What the interrupt line (hw/irq.py) relies on: an exact RIP, nothing of the block run."""
    code = _INC_RAX + _JMP_NEXT + _INC_RAX + _INC_RAX
    second = CODE + len(_INC_RAX + _JMP_NEXT)
    uc = _engine(code)
    uc.hook_add(unicorn.UC_HOOK_BLOCK, lambda uc, _a, _s, _u: uc.emu_stop(), None, second, second)
    uc.emu_start(CODE, CODE + len(code))
    assert (uc.reg_read(x86.UC_X86_REG_RAX), uc.reg_read(x86.UC_X86_REG_RIP)) == (1, second)


def test_a_refused_store_stops_at_the_storing_instruction() -> None:
    code = _INC_RAX + _store_rax(UNMAPPED) + _MOV_RBX_7
    uc = _engine(code)
    with pytest.raises(unicorn.UcError) as error:
        uc.emu_start(CODE, CODE + len(code))
    assert error.value.errno == unicorn.UC_ERR_WRITE_UNMAPPED
    assert uc.reg_read(x86.UC_X86_REG_RIP) == CODE + len(_INC_RAX)
    assert uc.reg_read(x86.UC_X86_REG_RBX) == 0  # the rest of the block did not run


def test_a_memory_hooks_stop_takes_effect_right_after_the_access() -> None:
    code = _INC_RAX + _store_rax(DATA) + _MOV_RBX_7
    uc = _engine(code)
    uc.hook_add(unicorn.UC_HOOK_MEM_WRITE, lambda uc, *_: uc.emu_stop())
    uc.emu_start(CODE, CODE + len(code))
    assert uc.mem_read(DATA, 1) == b"\x01"
    assert uc.reg_read(x86.UC_X86_REG_RBX) == 0


def test_indirect_calls_to_targets_in_one_page_reach_each() -> None:
    """Hot targets sharing a jump-cache slot under the stock hash: each call still reaches its own."""
    # f1 at +0x100: add rbx, 1; ret     f2 at +0x141: add rbx, 2; ret
    f1, f2 = CODE + 0x100, CODE + 0x141
    loop = (
        bytes.fromhex("48c7c1e8030000")  # mov rcx, 1000
        + bytes.fromhex("48c7c0") + f1.to_bytes(4, "little")  # mov rax, f1
        + bytes.fromhex("ffd0")  # call rax
        + bytes.fromhex("48c7c0") + f2.to_bytes(4, "little")  # mov rax, f2
        + bytes.fromhex("ffd0")  # call rax
        + bytes.fromhex("48ffc9")  # dec rcx
        + bytes.fromhex("75e9")  # jnz back to mov rax, f1 (-23)
    )  # fmt: skip
    uc = _engine(loop)
    uc.mem_write(f1, bytes.fromhex("4883c301c3"))
    uc.mem_write(f2, bytes.fromhex("4883c302c3"))
    uc.reg_write(x86.UC_X86_REG_RSP, DATA + 0x800)
    uc.emu_start(CODE, CODE + len(loop))
    assert uc.reg_read(x86.UC_X86_REG_RBX) == 3000
