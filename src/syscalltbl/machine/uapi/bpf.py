"""bpf(2) (include/uapi/linux/bpf.h): the commands, map types, update flags and union bpf_attr's layouts."""

from __future__ import annotations

import struct
from typing import Final

BPF_MAP_CREATE: Final = 0
BPF_MAP_LOOKUP_ELEM: Final = 1
BPF_MAP_UPDATE_ELEM: Final = 2
BPF_MAP_DELETE_ELEM: Final = 3
BPF_MAP_GET_NEXT_KEY: Final = 4

BPF_MAP_TYPE_HASH: Final = 1
BPF_MAP_TYPE_ARRAY: Final = 2

# BPF_MAP_UPDATE_ELEM's flags.
BPF_ANY: Final = 0
BPF_NOEXIST: Final = 1
BPF_EXIST: Final = 2
BPF_F_LOCK: Final = 4

# BPF_MAP_CREATE's map_flags.
BPF_F_NO_PREALLOC: Final = 1 << 0
BPF_F_NUMA_NODE: Final = 1 << 2
BPF_F_RDONLY: Final = 1 << 3
BPF_F_WRONLY: Final = 1 << 4
BPF_F_ZERO_SEED: Final = 1 << 6
BPF_F_RDONLY_PROG: Final = 1 << 7
BPF_F_WRONLY_PROG: Final = 1 << 8
BPF_F_MMAPABLE: Final = 1 << 10
BPF_F_INNER_MAP: Final = 1 << 12

BPF_OBJ_NAME_LEN: Final = 16

#: BPF_MAP_CREATE's part of the union: map_type, key_size, value_size, max_entries, map_flags, inner_map_fd,
#: numa_node, map_name, map_ifindex, btf_fd, btf_key_type_id, btf_value_type_id, btf_vmlinux_value_type_id,
#: map_extra, value_type_btf_obj_fd, map_token_fd.
MAP_CREATE_ATTR: Final = struct.Struct("<7I16s5IQii")
#: The element commands' part: map_fd, (pad), key, value or next_key, flags.
MAP_ELEM_ATTR: Final = struct.Struct("<I4xQQQ")
#: PAGE_SIZE: a larger attr is E2BIG whatever it holds (bpf_check_uarg_tail_zero's bound).
BPF_ATTR_MAX: Final = 4096
#: The map_flags that say how the descriptor may be used (bpf_map_flags_access_ok).
BPF_F_ACCESS_MASK: Final = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG
