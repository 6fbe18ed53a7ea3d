"""An emulated x86-64 machine that runs the generated entry code and tables."""
