"""The emulated hardware: the cpu (Unicorn), physical memory, page tables, the GDT/TSS and the FPU state.

Nothing here knows about processes or system calls.
"""
