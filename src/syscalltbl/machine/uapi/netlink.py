"""Netlink numbers and layouts (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h)."""

from __future__ import annotations

import struct
from typing import Final

# Protocols (include/uapi/linux/netlink.h)
NETLINK_ROUTE: Final = 0
MAX_LINKS: Final = 32

SOL_NETLINK: Final = 270
NETLINK_ADD_MEMBERSHIP: Final = 1
NETLINK_DROP_MEMBERSHIP: Final = 2
NETLINK_PKTINFO: Final = 3
NETLINK_BROADCAST_ERROR: Final = 4
NETLINK_NO_ENOBUFS: Final = 5
NETLINK_LISTEN_ALL_NSID: Final = 8
NETLINK_LIST_MEMBERSHIPS: Final = 9
NETLINK_CAP_ACK: Final = 10
NETLINK_EXT_ACK: Final = 11
NETLINK_GET_STRICT_CHK: Final = 12

SOCKADDR_NL: Final = struct.Struct("<H2xII")  # nl_family, nl_pad, nl_pid, nl_groups
NLMSGHDR: Final = struct.Struct("<IHHII")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid
NLATTR: Final = struct.Struct("<HH")  # nla_len, nla_type
NLA_TYPE_MASK: Final = 0x3FFF  # without NLA_F_NESTED and NLA_F_NET_BYTEORDER

NLMSG_NOOP: Final = 1
NLMSG_ERROR: Final = 2
NLMSG_DONE: Final = 3
NLMSG_MIN_TYPE: Final = 0x10

NLM_F_REQUEST: Final = 0x1
NLM_F_MULTI: Final = 0x2
NLM_F_ACK: Final = 0x4
NLM_F_ECHO: Final = 0x8
NLM_F_DUMP_FILTERED: Final = 0x20
NLM_F_DUMP: Final = 0x300  # NLM_F_ROOT | NLM_F_MATCH
NLM_F_EXCL: Final = 0x200
NLM_F_CREATE: Final = 0x400
NLM_F_CAPPED: Final = 0x100  # an NLMSG_ERROR's: the request's header alone follows

# rtnetlink message types (include/uapi/linux/rtnetlink.h)
RTM_BASE: Final = 16
RTM_NEWLINK: Final = 16
RTM_DELLINK: Final = 17
RTM_GETLINK: Final = 18
RTM_SETLINK: Final = 19
RTM_NEWADDR: Final = 20
RTM_DELADDR: Final = 21
RTM_GETADDR: Final = 22
RTM_NEWROUTE: Final = 24
RTM_DELROUTE: Final = 25
RTM_GETROUTE: Final = 26
RTM_MAX: Final = 123

RTNLGRP_LINK: Final = 1
RTNLGRP_IPV4_IFADDR: Final = 5
RTNLGRP_IPV6_IFADDR: Final = 9
RTNLGRP_MAX: Final = 36

IFINFOMSG: Final = struct.Struct("<BxHiII")  # ifi_family, ifi_type, ifi_index, ifi_flags, ifi_change
IFADDRMSG: Final = struct.Struct("<BBBBi")  # ifa_family, ifa_prefixlen, ifa_flags, ifa_scope, ifa_index
RTMSG: Final = struct.Struct("<BBBBBBBBI")  # family, dst_len, src_len, tos, table, protocol, scope, type, flags
IFA_CACHEINFO_STRUCT: Final = struct.Struct("<IIII")  # ifa_prefered, ifa_valid, cstamp, tstamp

IFLA_ADDRESS: Final = 1
IFLA_BROADCAST: Final = 2
IFLA_IFNAME: Final = 3
IFLA_MTU: Final = 4
IFLA_QDISC: Final = 6
IFLA_TXQLEN: Final = 13
IFLA_OPERSTATE: Final = 16
IFLA_LINKMODE: Final = 17
IFLA_GROUP: Final = 27
IFLA_EXT_MASK: Final = 29
IFLA_PROMISCUITY: Final = 30
IFLA_NUM_TX_QUEUES: Final = 31
IFLA_NUM_RX_QUEUES: Final = 32
IFLA_CARRIER: Final = 33
IFLA_MIN_MTU: Final = 50
IFLA_MAX_MTU: Final = 51
IFLA_MAX: Final = 61

IF_OPER_UNKNOWN: Final = 0
IF_OPER_DOWN: Final = 2

IFA_ADDRESS: Final = 1
IFA_LOCAL: Final = 2
IFA_LABEL: Final = 3
IFA_CACHEINFO: Final = 6
IFA_FLAGS: Final = 8
IFA_MAX: Final = 11
IFA_F_PERMANENT: Final = 0x80
INFINITY_LIFE_TIME: Final = 0xFFFFFFFF

RTA_DST: Final = 1
RTA_OIF: Final = 4
RTA_PREFSRC: Final = 7
RTA_TABLE: Final = 15
RT_SCOPE_HOST: Final = 254
RT_TABLE_LOCAL: Final = 255
RTPROT_KERNEL: Final = 2
RTN_LOCAL: Final = 2

ARPHRD_LOOPBACK: Final = 772
IFF_LOWER_UP: Final = 0x10000

# mq_notify's SIGEV_THREAD cookie (include/linux/mqueue.h's NOTIFY_*)
NOTIFY_WOKENUP: Final = 1
NOTIFY_REMOVED: Final = 2
