"""The sysctls of perf events, io_uring, BPF and fanotify (kernel/events/core.c, io_uring/io_uring.c,
kernel/bpf/syscall.c, fs/notify/fanotify/fanotify_user.c): their values, each at its Linux default."""

from __future__ import annotations

from typing import Final

from syscalltbl.store.record import Value

#: fanotify's defaults (FANOTIFY_DEFAULT_MAX_EVENTS, _MAX_GROUPS); max_user_marks is RAM-derived.
FANOTIFY_DEFAULT_MAX_EVENTS: Final = 16384
FANOTIFY_DEFAULT_MAX_GROUPS: Final = 128
FANOTIFY_DEFAULT_MAX_USER_MARKS: Final = 8192


class FdKindSysctl(Value):
    perf_event_paranoid: int  # kernel.perf_event_paranoid: user-space measurement only, without CAP_PERFMON
    perf_event_max_sample_rate: int
    perf_event_mlock_kb: int
    io_uring_disabled: int  # kernel.io_uring_disabled: 0 all may, 1 only io_uring_group or CAP_SYS_ADMIN, 2 none
    io_uring_group: int
    unprivileged_bpf_disabled: int  # kernel.unprivileged_bpf_disabled: BPF_UNPRIV_DEFAULT_OFF
    fanotify_max_queued_events: int
    fanotify_max_user_groups: int
    fanotify_max_user_marks: int

    __slots__ = _fields = (
        "perf_event_paranoid", "perf_event_max_sample_rate", "perf_event_mlock_kb", "io_uring_disabled",
        "io_uring_group", "unprivileged_bpf_disabled", "fanotify_max_queued_events", "fanotify_max_user_groups",
        "fanotify_max_user_marks",
    )

    def __init__(
        self,
        perf_event_paranoid: int = 2,
        perf_event_max_sample_rate: int = 100000,
        perf_event_mlock_kb: int = 516,
        io_uring_disabled: int = 0,
        io_uring_group: int = -1,
        unprivileged_bpf_disabled: int = 2,
        fanotify_max_queued_events: int = FANOTIFY_DEFAULT_MAX_EVENTS,
        fanotify_max_user_groups: int = FANOTIFY_DEFAULT_MAX_GROUPS,
        fanotify_max_user_marks: int = FANOTIFY_DEFAULT_MAX_USER_MARKS,
    ) -> None:
        self.perf_event_paranoid = perf_event_paranoid
        self.perf_event_max_sample_rate = perf_event_max_sample_rate
        self.perf_event_mlock_kb = perf_event_mlock_kb
        self.io_uring_disabled = io_uring_disabled
        self.io_uring_group = io_uring_group
        self.unprivileged_bpf_disabled = unprivileged_bpf_disabled
        self.fanotify_max_queued_events = fanotify_max_queued_events
        self.fanotify_max_user_groups = fanotify_max_user_groups
        self.fanotify_max_user_marks = fanotify_max_user_marks
