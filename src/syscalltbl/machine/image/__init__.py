"""The kernel image step: render a target's generated assembly, assemble and link it (GNU binutils), cached."""
