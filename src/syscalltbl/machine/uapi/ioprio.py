"""ioprio_get and ioprio_set (include/uapi/linux/ioprio.h): who, and a priority's class, hint and level."""

from __future__ import annotations

from typing import Final

IOPRIO_WHO_PROCESS: Final = 1
IOPRIO_WHO_PGRP: Final = 2
IOPRIO_WHO_USER: Final = 3

IOPRIO_CLASS_SHIFT: Final = 13
IOPRIO_NR_CLASSES: Final = 8
IOPRIO_CLASS_MASK: Final = IOPRIO_NR_CLASSES - 1
IOPRIO_PRIO_MASK: Final = (1 << IOPRIO_CLASS_SHIFT) - 1
IOPRIO_CLASS_NONE: Final = 0
IOPRIO_CLASS_RT: Final = 1
IOPRIO_CLASS_BE: Final = 2
IOPRIO_CLASS_IDLE: Final = 3
IOPRIO_LEVEL_NR_BITS: Final = 3
IOPRIO_NR_LEVELS: Final = 1 << IOPRIO_LEVEL_NR_BITS
IOPRIO_LEVEL_MASK: Final = IOPRIO_NR_LEVELS - 1
IOPRIO_BE_NORM: Final = 4
