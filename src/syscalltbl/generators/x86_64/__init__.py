"""x86-64 generators: the kernel-side entry assembly and its system-call table."""
