"""Keys: keyctl's commands, the special keyring ids, permissions and the default quotas
(include/uapi/linux/keyctl.h, include/linux/key.h, security/keys/)."""

from __future__ import annotations

from typing import Final

KEY_SPEC_THREAD_KEYRING: Final = -1
KEY_SPEC_PROCESS_KEYRING: Final = -2
KEY_SPEC_SESSION_KEYRING: Final = -3
KEY_SPEC_USER_KEYRING: Final = -4
KEY_SPEC_USER_SESSION_KEYRING: Final = -5
KEY_SPEC_GROUP_KEYRING: Final = -6
KEY_SPEC_REQKEY_AUTH_KEY: Final = -7
KEY_SPEC_REQUESTOR_KEYRING: Final = -8

KEY_REQKEY_DEFL_NO_CHANGE: Final = -1
KEY_REQKEY_DEFL_DEFAULT: Final = 0
KEY_REQKEY_DEFL_THREAD_KEYRING: Final = 1
KEY_REQKEY_DEFL_PROCESS_KEYRING: Final = 2
KEY_REQKEY_DEFL_SESSION_KEYRING: Final = 3
KEY_REQKEY_DEFL_USER_KEYRING: Final = 4
KEY_REQKEY_DEFL_USER_SESSION_KEYRING: Final = 5
KEY_REQKEY_DEFL_GROUP_KEYRING: Final = 6
KEY_REQKEY_DEFL_REQUESTOR_KEYRING: Final = 7

KEYCTL_GET_KEYRING_ID: Final = 0
KEYCTL_JOIN_SESSION_KEYRING: Final = 1
KEYCTL_UPDATE: Final = 2
KEYCTL_REVOKE: Final = 3
KEYCTL_CHOWN: Final = 4
KEYCTL_SETPERM: Final = 5
KEYCTL_DESCRIBE: Final = 6
KEYCTL_CLEAR: Final = 7
KEYCTL_LINK: Final = 8
KEYCTL_UNLINK: Final = 9
KEYCTL_SEARCH: Final = 10
KEYCTL_READ: Final = 11
KEYCTL_INSTANTIATE: Final = 12
KEYCTL_NEGATE: Final = 13
KEYCTL_SET_REQKEY_KEYRING: Final = 14
KEYCTL_SET_TIMEOUT: Final = 15
KEYCTL_ASSUME_AUTHORITY: Final = 16
KEYCTL_GET_SECURITY: Final = 17
KEYCTL_SESSION_TO_PARENT: Final = 18
KEYCTL_REJECT: Final = 19
KEYCTL_INSTANTIATE_IOV: Final = 20
KEYCTL_INVALIDATE: Final = 21
KEYCTL_GET_PERSISTENT: Final = 22

# Permission bits: possessor, user, group, other, a byte each.
KEY_VIEW: Final = 0x01
KEY_READ: Final = 0x02
KEY_WRITE: Final = 0x04
KEY_SEARCH: Final = 0x08
KEY_LINK: Final = 0x10
KEY_SETATTR: Final = 0x20
KEY_ALL: Final = 0x3F
KEY_POS_SHIFT: Final = 24
KEY_USR_SHIFT: Final = 16
KEY_GRP_SHIFT: Final = 8

KEY_MAX_DESC_SIZE: Final = 4096
KEY_TYPE_NAME_SIZE: Final = 32  # key_get_type_from_user's buffer
KEY_PAYLOAD_MAX: Final = 1024 * 1024 - 1  # add_key's and update's plen limit
USER_PAYLOAD_MAX: Final = 32767  # the user and logon types' payload limit
KEY_NEGATIVE_TIMEOUT: Final = 60  # /proc/sys/kernel/keys/negative_timeout's default, seconds
# /proc/sys/kernel/keys quotas' defaults (security/keys/key.c).
KEY_QUOTA_MAXKEYS: Final = 200
KEY_QUOTA_MAXBYTES: Final = 20000
KEY_QUOTA_ROOT_MAXKEYS: Final = 1000000
KEY_QUOTA_ROOT_MAXBYTES: Final = 25000000
