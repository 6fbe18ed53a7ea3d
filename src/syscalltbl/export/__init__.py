"""The cross-architecture matrix (every syscall on every architecture and ABI) and the lint marks placed on it.

It sits above `lint`, whose findings it shows, beside `build`.
"""
