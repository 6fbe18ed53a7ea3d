"""ELF64 headers as the kernel reads them (include/uapi/linux/elf.h), and binfmt limits (linux/binfmts.h)."""

from __future__ import annotations

import struct
from typing import Final

ELFMAG: Final = b"\x7fELF"
EM_X86_64: Final = 62

ET_EXEC: Final = 2
ET_DYN: Final = 3
ET_CORE: Final = 4

PT_LOAD: Final = 1
PT_INTERP: Final = 3
PT_NOTE: Final = 4
PT_GNU_STACK: Final = 0x6474E551

PF_X: Final = 1
PF_W: Final = 2
PF_R: Final = 4

#: Core-file note types (NT_PRSTATUS, shared with ptrace's regsets, is in uapi.ptrace).
NT_PRPSINFO: Final = 3
NT_SIGINFO: Final = 0x53494749

#: struct elf64_hdr after e_ident: e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags,
#: e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx.
EHDR: Final = struct.Struct("<16sHHIQQQIHHHHHH")
#: struct elf64_phdr: p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
PHDR: Final = struct.Struct("<IIQQQQQQ")

#: What exec reads of a file to tell its format (BINPRM_BUF_SIZE): a #! line must fit in it.
BINPRM_BUF_SIZE: Final = 256
#: Where a PIE with an interpreter is loaded when addresses are not randomized (arch/x86/include/asm/elf.h:
#: DEFAULT_MAP_WINDOW / 3 * 2, then aligned to the program's largest PT_LOAD alignment).
ELF_ET_DYN_BASE: Final = ((1 << 47) - 4096) // 3 * 2
#: The interpreter rewrites exec allows (fs/exec.c, exec_binprm): a sixth #! level is ELOOP.
MAX_BINFMT_DEPTH: Final = 5
