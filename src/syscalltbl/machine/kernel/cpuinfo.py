"""/proc/cpuinfo: the one emulated cpu as show_cpuinfo prints it, from what its `cpuid` answers (hw/cpuid.py).

The flags are the cpuid feature bits Linux names, word by word in its
order (arch/x86/include/asm/cpufeatures.h): leaf 1 EDX, 0x80000001 EDX,
leaf 1 ECX, 0x80000001 ECX, leaf 7 EBX. Linux's own synthetic flags
(constant_tsc, rep_good...) describe what its boot code probed and are not shown.
"""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.hw.cpuid import cpuid
from syscalltbl.machine.kernel.vdso import tsc_khz

# Bit -> name, "" for a bit Linux keeps but does not show.
_LEAF1_EDX: Final = ("fpu vme de pse tsc msr pae mce cx8 apic - sep mtrr pge mca cmov pat pse36 pn clflush - dts "
                     "acpi mmx fxsr sse sse2 ss ht tm ia64 pbe")
_EXT1_EDX: Final = {11: "syscall", 19: "mp", 20: "nx", 22: "mmxext", 25: "fxsr_opt", 26: "pdpe1gb", 27: "rdtscp",
                    29: "lm", 30: "3dnowext", 31: "3dnow"}
_LEAF1_ECX: Final = ("pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cid sdbg fma cx16 xtpr pdcm - pcid dca "
                     "sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave - avx f16c rdrand hypervisor")
_EXT1_ECX: Final = {0: "lahf_lm", 1: "cmp_legacy", 2: "svm", 3: "extapic", 4: "cr8_legacy", 5: "abm", 6: "sse4a",
                    7: "misalignsse", 8: "3dnowprefetch", 9: "osvw", 10: "ibs", 11: "xop", 12: "skinit", 13: "wdt",
                    15: "lwp", 16: "fma4", 17: "tce", 19: "nodeid_msr", 21: "tbm", 22: "topoext", 23: "perfctr_core",
                    24: "perfctr_nb", 26: "bpext", 27: "ptsc", 28: "perfctr_llc", 29: "mwaitx"}
_LEAF7_EBX: Final = ("fsgsbase tsc_adjust sgx bmi1 hle avx2 - smep bmi2 erms invpcid rtm cqm - mpx rdt_a avx512f "
                     "avx512dq rdseed adx smap avx512ifma - clflushopt clwb intel_pt avx512pf avx512er avx512cd sha_ni "
                     "avx512bw avx512vl")


def _by_bit(names: str) -> dict[int, str]:
    return {bit: name for bit, name in enumerate(names.split()) if name != "-"}


def _named(bits: int, names: dict[int, str]) -> list[str]:
    return [names[b] for b in range(32) if bits >> b & 1 and b in names]


def flags() -> list[str]:
    """The cpu's feature flags, as Linux names them, in its order."""
    max_ext = cpuid(0x80000000)[0]
    _, _, ecx1, edx1 = cpuid(1)
    _, _, ext_ecx, ext_edx = cpuid(0x80000001) if max_ext >= 0x80000001 else (0, 0, 0, 0)
    leaf7_ebx = cpuid(7)[1] if cpuid(0)[0] >= 7 else 0
    return [*_named(edx1, _by_bit(_LEAF1_EDX)), *_named(ext_edx, _EXT1_EDX), *_named(ecx1, _by_bit(_LEAF1_ECX)),
            *_named(ext_ecx, _EXT1_ECX), *_named(leaf7_ebx, _by_bit(_LEAF7_EBX))]


def _family_model_stepping(eax: int) -> tuple[int, int, int]:
    """x86_family and x86_model: the extended fields count for family 0xf (and 6, for the model)."""
    family, model, stepping = eax >> 8 & 0xF, eax >> 4 & 0xF, eax & 0xF
    if family == 0xF:
        family += eax >> 20 & 0xFF
    if family >= 6:
        model += (eax >> 16 & 0xF) << 4
    return family, model, stepping


def render_cpuinfo() -> bytes:
    """One `processor` block: the emulated machine has one cpu, one core, no siblings."""
    level, vb, vc, vd = cpuid(0)
    eax1, ebx1, _, _ = cpuid(1)
    family, model, stepping = _family_model_stepping(eax1)
    max_ext = cpuid(0x80000000)[0]
    brand = b"".join(struct.pack("<4I", *cpuid(leaf)) for leaf in range(0x80000002, 0x80000005)) \
        if max_ext >= 0x80000004 else b""
    sizes = cpuid(0x80000008)[0] if max_ext >= 0x80000008 else 0x3024  # Linux's guess: 36 physical, 48 virtual
    apicid = ebx1 >> 24
    clflush = (ebx1 >> 8 & 0xFF) * 8
    khz = tsc_khz()
    feature = flags()
    rows = [
        ("processor", "0"),
        ("vendor_id", struct.pack("<3I", vb, vd, vc).decode("ascii", "replace")),
        ("cpu family", str(family)),
        ("model", str(model)),
        ("model name", brand.split(b"\0", 1)[0].strip().decode("ascii", "replace") or "unknown"),
        ("stepping", str(stepping)),
        ("microcode", "0x0"),  # no microcode is loaded into an emulated cpu
        ("cpu MHz", f"{khz // 1000}.{khz % 1000:03d}"),
        ("physical id", "0"),
        ("siblings", "1"),
        ("core id", "0"),
        ("cpu cores", "1"),
        ("apicid", str(apicid)),
        ("initial apicid", str(apicid)),
        ("fpu", "yes" if "fpu" in feature else "no"),
        ("fpu_exception", "yes" if "fpu" in feature else "no"),
        ("cpuid level", str(level)),
        ("wp", "yes"),
        ("flags", " ".join(feature)),
        ("bugs", ""),
        ("bogomips", f"{khz // 500}.{khz // 5 % 100:02d}"),  # calibrated from the TSC: twice its MHz
        ("clflush size", str(clflush)),
        ("cache_alignment", str(clflush)),
        ("address sizes", f"{sizes & 0xFF} bits physical, {sizes >> 8 & 0xFF} bits virtual"),
        ("power management", ""),
    ]
    # show_cpuinfo's names are tabbed to column 16 ("fpu\t\t: ", "cpu family\t: ", "power management:").
    lines = [f"{name}{chr(9) * (2 - len(name) // 8) if len(name) < 16 else ''}:{' ' + value if value else ''}"
             for name, value in rows]
    return ("\n".join(lines) + "\n\n").encode()
