"""Extended attributes: setxattr's flags, the name and size limits, the namespaces' prefixes.

include/uapi/linux/xattr.h, include/uapi/linux/limits.h, include/linux/xattr.h (struct xattr_args
of the *xattrat calls) and include/uapi/linux/posix_acl_xattr.h.
"""

from __future__ import annotations

import struct
from typing import Final

XATTR_CREATE: Final = 0x1
XATTR_REPLACE: Final = 0x2

XATTR_NAME_MAX: Final = 255
XATTR_SIZE_MAX: Final = 65536
XATTR_LIST_MAX: Final = 65536

XATTR_SECURITY_PREFIX: Final = b"security."
XATTR_SYSTEM_PREFIX: Final = b"system."
XATTR_TRUSTED_PREFIX: Final = b"trusted."
XATTR_USER_PREFIX: Final = b"user."
XATTR_NAME_POSIX_ACL_ACCESS: Final = b"system.posix_acl_access"
XATTR_NAME_POSIX_ACL_DEFAULT: Final = b"system.posix_acl_default"

#: The header of a POSIX ACL value (a_version) and the size of one entry after it (e_tag, e_perm, e_id).
POSIX_ACL_XATTR_VERSION: Final = 0x0002
POSIX_ACL_XATTR_HEADER: Final = struct.Struct("<I")
POSIX_ACL_XATTR_ENTRY_SIZE: Final = 8

#: struct xattr_args (setxattrat, getxattrat): value pointer, size, flags.
XATTR_ARGS: Final = struct.Struct("<QII")
XATTR_ARGS_SIZE_VER0: Final = 16
