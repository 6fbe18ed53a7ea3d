"""The Python-program backend: syscalltbl.libc's wrappers run as a process of the machine."""
