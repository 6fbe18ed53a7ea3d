"""struct sockaddr_un (include/uapi/linux/un.h)."""

from __future__ import annotations

from typing import Final

UNIX_PATH_MAX: Final = 108
SUN_PATH_OFFSET: Final = 2  # offsetof(struct sockaddr_un, sun_path): after sa_family_t
SOCKADDR_UN_SIZE: Final = SUN_PATH_OFFSET + UNIX_PATH_MAX
AUTOBIND_NAME_LEN: Final = 5  # unix_autobind: an abstract name of five hex digits
