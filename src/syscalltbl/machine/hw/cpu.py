"""The emulated x86-64 cpu: Unicorn set up for real paging, plus a fast path.

The stock binding spends about 2.5 us per register access and wraps each
callback in several Python frames. The hot path (one syscall hook and one
dispatch hook per system call) instead calls libunicorn directly through
ctypes on the library the binding already loaded.
"""

from __future__ import annotations

import ctypes
import importlib
import struct
from collections.abc import Callable
from typing import Any, Final

from unicorn import x86_const as x86

# The binding is only partly typed; it stays behind this module's typed API.
unicorn: Any = importlib.import_module("unicorn")
_binding: Any = importlib.import_module("unicorn.unicorn_py3.unicorn")

#: The runtime was written against, and probed on, exactly this version.
UNICORN_VERSION: Final = "2.1.4"

_lib: ctypes.CDLL = _binding.uclib
_c_u64 = ctypes.c_uint64
# A code hook is called as fn(uc, address, size, user_data); declared with no arguments, ctypes
# converts none of them (the hot hooks read nothing from them, and the C caller cleans up).
_CODE_CB = ctypes.CFUNCTYPE(None)
# An interrupt hook is called as fn(uc, intno, user_data): only the vector is converted.
_INTR_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
# Private prototypes: argtypes set once here, not shared with the binding's.
_reg_read = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(("uc_reg_read", _lib))
_reg_write = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    ("uc_reg_write", _lib)
)
_emu_stop = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(("uc_emu_stop", _lib))
_emu_start = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64,
                              ctypes.c_size_t)(("uc_emu_start", _lib))
_context_save = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(("uc_context_save", _lib))
_context_restore = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(("uc_context_restore", _lib))
# uc_reg_read_batch / uc_reg_write_batch(uc, int *regs, void **vals, int count)
_BATCH = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_reg_read_batch = _BATCH(("uc_reg_read_batch", _lib))
_reg_write_batch = _BATCH(("uc_reg_write_batch", _lib))
_hook_add = _lib.uc_hook_add


class UnicornError(RuntimeError):
    pass


class _Msr(ctypes.Structure):
    """struct uc_x86_msr: what uc_reg_read/uc_reg_write take for UC_X86_REG_MSR."""

    _fields_ = [("rid", ctypes.c_uint32), ("value", ctypes.c_uint64)]


def check_version() -> None:
    have = unicorn.__version__
    if have != UNICORN_VERSION:
        raise UnicornError(f"syscalltbl's machine needs unicorn=={UNICORN_VERSION}, found {have}")


def patch_level() -> int:
    """Which of syscalltbl's Unicorn patches the loaded library carries (hw/unicorn_patch); 0: the stock wheel."""
    try:
        level = _lib.uc_syscalltbl_patch_level  # the symbol only the patched library exports
    except AttributeError:
        return 0
    level.restype = ctypes.c_int
    level.argtypes = []
    return int(level())


def engine() -> str:
    """Which Unicorn runs, in words: the machine runs on either, the patched one about twice as fast."""
    from syscalltbl.machine.hw.unicorn_patch import PATCH_LEVEL  # constants only

    level = patch_level()
    if level == 0:
        return (f"unicorn {unicorn.__version__} (stock: guest code about 2x slower; "
                "python -m syscalltbl.machine.hw.unicorn_patch installs the patched one)")  # fmt: skip
    if level != PATCH_LEVEL:
        return (f"unicorn {unicorn.__version__} + syscalltbl patch level {level} "
                f"(this checkout's is {PATCH_LEVEL}: python -m syscalltbl.machine.hw.unicorn_patch)")  # fmt: skip
    return f"unicorn {unicorn.__version__} + syscalltbl patch level {level}"


class Cpu:
    """One x86-64 cpu with its own physical memory map and hooks."""

    def __init__(self) -> None:
        check_version()
        #: Which engine runs (stock or patched): the machine runs on both; benchmarks print it.
        self.engine = engine()
        self.uc: Any = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        # The emulated MMU walks our page tables and honours U/S, R/W and NX.
        self.uc.ctl_set_tlb_mode(unicorn.UC_TLB_CPU)
        self.handle = ctypes.c_void_p(self.uc._uch.value)
        self._keep: list[object] = []  # ctypes callbacks must outlive the engine
        self.pending: BaseException | None = None
        self.running = False  # inside emu_start: Python runs only in hooks
        self._scratch = _c_u64()
        self._scratch_p = ctypes.byref(self._scratch)
        self._msr = _Msr()
        self._msr_p = ctypes.byref(self._msr)

    # -- registers: fast for plain 64-bit registers, the binding for the rest --

    def reg(self, regid: int) -> int:
        self._scratch.value = 0  # 32- and 16-bit registers fill only the low bytes
        _reg_read(self.handle, regid, self._scratch_p)
        return self._scratch.value

    def set_reg(self, regid: int, value: int) -> None:
        self._scratch.value = value
        _reg_write(self.handle, regid, self._scratch_p)

    def reg_writer(self, regid: int) -> Callable[[int], None]:
        """A setter for one register, with its argument buffer preallocated."""
        buf = _c_u64()
        ref = ctypes.byref(buf)
        handle = self.handle

        def write(value: int) -> None:
            buf.value = value
            _reg_write(handle, regid, ref)

        return write

    def reg_reader(self, regid: int) -> Callable[[], int]:
        buf = _c_u64()
        ref = ctypes.byref(buf)
        handle = self.handle

        def read() -> int:
            buf.value = 0
            _reg_read(handle, regid, ref)
            return buf.value

        return read

    def raw_reader(self) -> Callable[[int, ctypes.Array[ctypes.c_char]], None]:
        """reader(regid, buffer): a wide register (XMM, ST) into a ctypes buffer, in its native layout."""
        handle = self.handle

        def read(regid: int, buf: ctypes.Array[ctypes.c_char]) -> None:
            _reg_read(handle, regid, buf)

        return read

    def raw_writer(self) -> Callable[[int, ctypes.Array[ctypes.c_char]], None]:
        handle = self.handle

        def write(regid: int, buf: ctypes.Array[ctypes.c_char]) -> None:
            _reg_write(handle, regid, buf)

        return write

    def msr(self, index: int) -> int:
        # Straight into libunicorn, as reg() (the binding's msr_read costs several times the call: each
        # task switch reads one and writes two).
        msr = self._msr
        msr.rid, msr.value = index, 0
        _reg_read(self.handle, x86.UC_X86_REG_MSR, self._msr_p)
        return int(msr.value)

    def set_msr(self, index: int, value: int) -> None:
        msr = self._msr
        msr.rid, msr.value = index, value
        _reg_write(self.handle, x86.UC_X86_REG_MSR, self._msr_p)

    def set_descriptor_table(self, regid: int, base: int, limit: int) -> None:
        """GDTR or IDTR."""
        self.uc.reg_write(regid, (0, base, limit, 0))

    def set_segment(self, regid: int, selector: int, base: int, limit: int, flags: int) -> None:
        """A segment register with its descriptor cache (TR, LDTR)."""
        self.uc.reg_write(regid, (selector, base, limit, flags))

    def map_ram(self, address: int, size: int, host_pointer: int) -> None:
        """Back guest-physical [address, address + size) with host memory."""
        self.uc.mem_map_ptr(address, size, unicorn.UC_PROT_ALL, host_pointer)

    def cpl(self) -> int:
        return self.reg(x86.UC_X86_REG_CS) & 3

    # -- hooks --

    def park(self, exc: BaseException) -> None:
        """Keep `exc` and stop: an exception must not unwind into C; run() re-raises it."""
        if self.pending is None:
            self.pending = exc
        self.stop()

    def _guard(self, fn: Callable[[], object]) -> Callable[[], None]:
        def callback() -> None:
            try:
                fn()
            except BaseException as exc:
                self.park(exc)

        return callback

    def _safe(self, fn: Callable[[int], int | None], arg: int) -> int:
        try:
            return fn(arg) or 0
        except BaseException as exc:
            self.park(exc)
            return 0

    def _add(self, htype: int, cfunc: object, begin: int, end: int, *extra: ctypes.c_int) -> None:
        handle = ctypes.c_size_t()
        err = _hook_add(self.handle, ctypes.byref(handle), htype, cfunc, None, _c_u64(begin), _c_u64(end), *extra)
        if err:
            raise UnicornError(f"uc_hook_add({htype}) failed: {unicorn.UcError(err)}")
        self._keep.append(cfunc)

    # Hot path: raw ctypes callbacks, no binding wrappers.

    def on_code(self, address: int, fn: Callable[[], object]) -> None:
        """Run `fn` before the instruction at `address`, and only that one."""
        self._add(unicorn.UC_HOOK_CODE, _CODE_CB(self._guard(fn)), address, address)

    def callback_address(self, cfunc: ctypes._CFunctionType) -> int:
        """Where machine code can call the ctypes callback `cfunc` (the system-call dispatch, from its hook),
        kept as long as the engine; its function must catch every exception itself and hand it to `park`."""
        self._keep.append(cfunc)
        address = ctypes.cast(cfunc, ctypes.c_void_p).value
        assert address is not None
        return address

    def on_interrupt(self, fn: Callable[[int], None]) -> None:
        """Run `fn(vector)` for every exception and `int n` (a page fault is one: demand paging, fork's
        children and exec's images take one per 64 KiB of text they touch, so this is a raw callback too)."""
        self._add(unicorn.UC_HOOK_INTR, _INTR_CB(lambda _uc, intno, _ud: self._safe(fn, intno)), 1, 0)

    # Slow path (#UD, port I/O): the binding's hooks are fine.

    def on_invalid_insn(self, fn: Callable[[int], None]) -> None:
        """Run `fn(6)` (#UD's vector) for an undefined opcode."""

        def handler(_uc: object, _ud: object) -> bool:
            self._safe(fn, 6)
            return True  # handled: fn stopped the cpu; emu_start must not raise UC_ERR_INSN_INVALID

        self.uc.hook_add(unicorn.UC_HOOK_INSN_INVALID, handler)

    def on_port_io(self, fn: Callable[[int], int]) -> None:
        """Run `fn(port)` for every in/out; an `in` reads its result."""
        self.uc.hook_add(
            unicorn.UC_HOOK_INSN, lambda _uc, port, _size, _ud: self._safe(fn, port), None, 1, 0, x86.UC_X86_INS_IN
        )
        self.uc.hook_add(
            unicorn.UC_HOOK_INSN,
            lambda _uc, port, _size, _value, _ud: self._safe(fn, port),
            None, 1, 0, x86.UC_X86_INS_OUT,
        )

    def on_block_native(self, fn: ctypes.c_void_p, user_data: ctypes.Structure, begin: int, end: int) -> None:
        """Call the machine-code function `fn(uc, address, size, &user_data)` at each block start in [begin, end].

        No Python runs per block: this is for hooks that must cost almost
        nothing (hw/irq.py). `user_data` must outlive the engine.
        """
        handle = ctypes.c_size_t()
        err = _hook_add(self.handle, ctypes.byref(handle), unicorn.UC_HOOK_BLOCK, fn, ctypes.byref(user_data),
                        _c_u64(begin), _c_u64(end))  # fmt: skip
        if err:
            raise UnicornError(f"uc_hook_add(UC_HOOK_BLOCK) failed: {unicorn.UcError(err)}")
        self._keep.append(user_data)

    def on_code_native(self, address: int, fn: ctypes.c_void_p, user_data: ctypes.Structure) -> None:
        """Call the machine-code function `fn(uc, address, size, &user_data)` before the instruction at
        `address`, and only that one. `user_data` must outlive the engine."""
        handle = ctypes.c_size_t()
        err = _hook_add(self.handle, ctypes.byref(handle), unicorn.UC_HOOK_CODE, fn, ctypes.byref(user_data),
                        _c_u64(address), _c_u64(address))  # fmt: skip
        if err:
            raise UnicornError(f"uc_hook_add(UC_HOOK_CODE) failed: {unicorn.UcError(err)}")
        self._keep.append(user_data)

    def on_syscall_native(self, fn: ctypes.c_void_p, user_data: ctypes.Structure) -> None:
        """Call the machine-code function `fn(uc, &user_data)` for every `syscall` instruction.

        No Python runs for it (image/syscallhook.py). `user_data` must outlive the engine.
        """
        handle = ctypes.c_size_t()
        err = _hook_add(self.handle, ctypes.byref(handle), unicorn.UC_HOOK_INSN, fn, ctypes.byref(user_data),
                        _c_u64(1), _c_u64(0), ctypes.c_int(x86.UC_X86_INS_SYSCALL))  # fmt: skip
        if err:
            raise UnicornError(f"uc_hook_add(UC_HOOK_INSN) failed: {unicorn.UcError(err)}")
        self._keep.append(user_data)

    @staticmethod
    def emu_stop_address() -> int:
        """Where uc_emu_stop is, in the library the binding loaded (for hooks in machine code)."""
        return Cpu.function_address("uc_emu_stop")

    @staticmethod
    def function_address(name: str) -> int:
        """Where libunicorn's function `name` is, in the library the binding loaded (for hooks in machine code)."""
        address = ctypes.cast(getattr(_lib, name), ctypes.c_void_p).value
        assert address is not None
        return address

    # Tools' hooks (tracing, counting): slow, and nothing outside this class reaches into Unicorn.

    def on_block(self, begin: int, end: int, fn: Callable[[int, int], None]) -> None:
        """Run `fn(address, size)` at the start of every translated block in [begin, end].

        The translation cache is flushed: blocks translated before the hook existed would not call it.
        """

        def block(_uc: object, address: int, size: int, _ud: object) -> None:
            self._safe(lambda _: fn(address, size), 0)

        self.uc.hook_add(unicorn.UC_HOOK_BLOCK, block, None, begin, end)
        self.flush_code()

    def on_every_instruction(self, fn: Callable[[int], None]) -> None:
        """Run `fn(address)` before every instruction the cpu executes (for tests that count them)."""
        self.uc.hook_add(unicorn.UC_HOOK_CODE, lambda _uc, address, _size, _ud: self._safe(fn, address))

    # -- running --

    def stop(self) -> None:
        _emu_stop(self.handle)

    def run(self, begin: int, *, timeout_us: int = 0) -> None:
        """Run from `begin` until a hook stops the cpu, `hlt` in ring 0, or the timeout."""
        self.pending = None
        self.running = True
        try:
            self.uc.emu_start(begin, 0, timeout=timeout_us)
        finally:
            self.running = False
        if self.pending is not None:
            exc, self.pending = self.pending, None
            raise exc

    def flush_tlb(self) -> None:
        # Architecturally: reloading CR3 drops every non-global translation.
        self.set_reg(x86.UC_X86_REG_CR3, self.reg(x86.UC_X86_REG_CR3))

    # -- QEMU's double-fault bookkeeping --
    #
    # QEMU clears env->old_exception only when it delivers an exception
    # through the IDT. Unicorn hands exceptions to our hook instead, so after
    # a page fault that the kernel served (demand paging) the next one would
    # be promoted to a double fault and the one after to a triple fault. The
    # field is not a register: its offset in the saved context is found by
    # comparing a context saved at boot (no exception yet: -1) with one saved
    # after the first page fault (14), and checked on every later use.

    def snapshot_clean_state(self) -> None:
        self._clean = self._context_bytes(self.uc.context_save())
        self._old_exception_at: int | None = None
        # One context, saved into again at each served fault: a new one each time (the binding's
        # context_save allocates, wraps and frees one) cost more than the copy.
        self._work = self._context_bytes(self.uc.context_save())

    @staticmethod
    def _context_bytes(ctx: Any) -> tuple[Any, ctypes.Array[ctypes.c_char]]:
        size = ctx.size
        header = 24  # struct uc_context: context_size, mode, arch, uc; then the cpu state
        raw = (ctypes.c_char * (header + size)).from_address(ctypes.cast(ctx.context, ctypes.c_void_p).value or 0)
        return ctx, raw

    def clear_pending_exception(self, vector: int) -> None:
        """Forget that exception `vector` was raised, as its delivery would have.

        QEMU records only faults it raised itself, and of those only #DE,
        #TS..#PF and #DF (the ones that can make a double fault): after
        #UD, int3, `int $n` or a #GP found by a hook nothing is pending.
        """
        ctx, raw = self._work
        if _context_save(self.handle, ctx.context):
            raise UnicornError("uc_context_save failed")
        if self._old_exception_at is None:
            clean = bytes(self._clean[1])
            now = bytes(raw)
            was, became = struct.pack("<i", -1), struct.pack("<i", vector)
            hits = [i for i in range(0, min(len(clean), len(now)) - 3, 4)
                    if clean[i : i + 4] == was and now[i : i + 4] == became]
            if not hits:
                return  # nothing recorded, so nothing to clear (and nothing to calibrate on)
            if len(hits) != 1:
                raise UnicornError(f"cannot locate old_exception in unicorn's cpu context ({len(hits)} candidates)")
            self._old_exception_at = hits[0]
        at = self._old_exception_at
        recorded = struct.unpack_from("<i", raw, at)[0]
        if recorded == -1:
            return
        if recorded != vector:
            raise UnicornError("unicorn's cpu context layout is not the one calibrated")
        struct.pack_into("<i", raw, at, -1)
        if _context_restore(self.handle, ctx.context):
            raise UnicornError("uc_context_restore failed")

    def flush_code(self) -> None:
        """Forget translated code, after the host wrote instructions into RAM."""
        self.uc.ctl_flush_tb()


class RegisterBlock:
    """Registers read or written together in one call into libunicorn (uc_reg_read_batch), each in a slot of
    its own width in one buffer, laid out in the order given: a task switch's FPU state is 28 registers."""

    def __init__(self, cpu: Cpu, slots: list[tuple[int, int]]) -> None:
        """`slots`: (register id, slot width in bytes), a width at least the register's."""
        self.size = sum(width for _, width in slots)
        self._buffer = ctypes.create_string_buffer(self.size)
        base = ctypes.addressof(self._buffer)
        offsets = [sum(width for _, width in slots[:i]) for i in range(len(slots))]
        self._regs = (ctypes.c_int * len(slots))(*(regid for regid, _ in slots))
        self._vals = (ctypes.c_void_p * len(slots))(*(base + offset for offset in offsets))
        self._count = len(slots)
        self._handle = cpu.handle

    def read(self) -> bytes:
        """Every slot, as one byte string; a register narrower than its slot leaves the rest of it zero."""
        ctypes.memset(self._buffer, 0, self.size)
        if _reg_read_batch(self._handle, self._regs, self._vals, self._count):
            raise UnicornError("uc_reg_read_batch failed")
        return self._buffer.raw

    def write(self, data: bytes) -> None:
        """Every register from its slot of `data` (`size` bytes), in the order of the slots."""
        self._buffer.raw = data
        if _reg_write_batch(self._handle, self._regs, self._vals, self._count):
            raise UnicornError("uc_reg_write_batch failed")


class ScratchCpu:
    """A second engine of the model every Machine's Cpu is (Unicorn's default x86-64 one), for what is asked of
    the model itself, not of a machine: rdtsc (TscReader) and cpuid (hw/cpuid.py). One a process
    (`scratch_cpu`): starting an engine costs about 1 ms, a tenth of a warm `run`'s start of its program."""

    CODE = 0x1000
    RDTSC = CODE  # rdtsc
    CPUID = CODE + 0x10  # cpuid
    #: Its translation buffer: two blocks of one instruction need next to nothing, and the engine's start
    #: (at the first mem_map) sets up the buffer it is given: 0.1 ms for this, 0.4 ms for the default.
    TCG_BUFFER = 64 << 10

    def __init__(self) -> None:
        self.uc: Any = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        self.uc.ctl_set_tcg_buffer_size(self.TCG_BUFFER)
        self.uc.mem_map(self.CODE, 0x1000)
        # Both instructions written before either runs: no translated code is ever written over.
        self.uc.mem_write(self.RDTSC, b"\x0f\x31")
        self.uc.mem_write(self.CPUID, b"\x0f\xa2")
        self.handle = ctypes.c_void_p(self.uc._uch.value)

    def cpuid(self, leaf: int, subleaf: int) -> tuple[int, int, int, int]:
        """(eax, ebx, ecx, edx) of `cpuid` for `leaf` and `subleaf` (ecx)."""
        self.uc.reg_write(x86.UC_X86_REG_RAX, leaf)
        self.uc.reg_write(x86.UC_X86_REG_RCX, subleaf)
        self.uc.emu_start(self.CPUID, self.CPUID + 2)
        regs = (x86.UC_X86_REG_EAX, x86.UC_X86_REG_EBX, x86.UC_X86_REG_ECX, x86.UC_X86_REG_EDX)
        eax, ebx, ecx, edx = (int(self.uc.reg_read(r)) for r in regs)
        return eax, ebx, ecx, edx


_scratch: ScratchCpu | None = None


def scratch_cpu() -> ScratchCpu:
    """The process's scratch engine, started at the first use."""
    global _scratch
    if _scratch is None:
        _scratch = ScratchCpu()
    return _scratch


class TscReader:
    """rdtsc on the scratch cpu: the host's TSC, as the machine's rdtsc sees it."""

    def __init__(self) -> None:
        scratch = scratch_cpu()
        self._code = scratch.RDTSC
        # Straight into libunicorn, as Cpu's registers: the clock reads the TSC four times a task switch.
        self._handle = scratch.handle
        self._rax, self._rdx = _c_u64(), _c_u64()
        self._rax_p, self._rdx_p = ctypes.byref(self._rax), ctypes.byref(self._rdx)

    def __call__(self) -> int:
        if _emu_start(self._handle, self._code, self._code + 2, 0, 0):
            raise UnicornError("rdtsc on the scratch cpu failed")
        _reg_read(self._handle, x86.UC_X86_REG_RAX, self._rax_p)
        _reg_read(self._handle, x86.UC_X86_REG_RDX, self._rdx_p)
        return int(self._rdx.value) << 32 | int(self._rax.value)
