"""include/uapi/linux/landlock.h: Landlock's system-call flags, rule types, access rights and scopes."""

from typing import Final

LANDLOCK_CREATE_RULESET_VERSION: Final = 1 << 0
LANDLOCK_CREATE_RULESET_ERRATA: Final = 1 << 1

LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF: Final = 1 << 0
LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON: Final = 1 << 1
LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF: Final = 1 << 2

LANDLOCK_RULE_PATH_BENEATH: Final = 1
LANDLOCK_RULE_NET_PORT: Final = 2

LANDLOCK_ACCESS_FS_EXECUTE: Final = 1 << 0
LANDLOCK_ACCESS_FS_WRITE_FILE: Final = 1 << 1
LANDLOCK_ACCESS_FS_READ_FILE: Final = 1 << 2
LANDLOCK_ACCESS_FS_READ_DIR: Final = 1 << 3
LANDLOCK_ACCESS_FS_REMOVE_DIR: Final = 1 << 4
LANDLOCK_ACCESS_FS_REMOVE_FILE: Final = 1 << 5
LANDLOCK_ACCESS_FS_MAKE_CHAR: Final = 1 << 6
LANDLOCK_ACCESS_FS_MAKE_DIR: Final = 1 << 7
LANDLOCK_ACCESS_FS_MAKE_REG: Final = 1 << 8
LANDLOCK_ACCESS_FS_MAKE_SOCK: Final = 1 << 9
LANDLOCK_ACCESS_FS_MAKE_FIFO: Final = 1 << 10
LANDLOCK_ACCESS_FS_MAKE_BLOCK: Final = 1 << 11
LANDLOCK_ACCESS_FS_MAKE_SYM: Final = 1 << 12
LANDLOCK_ACCESS_FS_REFER: Final = 1 << 13
LANDLOCK_ACCESS_FS_TRUNCATE: Final = 1 << 14
LANDLOCK_ACCESS_FS_IOCTL_DEV: Final = 1 << 15

LANDLOCK_ACCESS_NET_BIND_TCP: Final = 1 << 0
LANDLOCK_ACCESS_NET_CONNECT_TCP: Final = 1 << 1

LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET: Final = 1 << 0
LANDLOCK_SCOPE_SIGNAL: Final = 1 << 1

#: struct landlock_ruleset_attr: handled_access_fs, handled_access_net (u64 each), scoped (u64).
RULESET_ATTR_SIZE: Final = 24
#: struct landlock_path_beneath_attr (packed): allowed_access u64, parent_fd s32.
PATH_BENEATH_ATTR_SIZE: Final = 12
#: struct landlock_net_port_attr: allowed_access u64, port u64.
NET_PORT_ATTR_SIZE: Final = 16
