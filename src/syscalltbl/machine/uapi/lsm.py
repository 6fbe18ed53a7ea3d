"""include/uapi/linux/lsm.h: the LSM ids lsm_list_modules reports."""

from typing import Final

LSM_ID_UNDEF: Final = 0
LSM_ID_CAPABILITY: Final = 100
LSM_ID_LANDLOCK: Final = 110
