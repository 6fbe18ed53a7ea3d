"""syscalltbl: parse Linux syscall tables, check them, and generate from them."""

__version__ = "0.1.0"
