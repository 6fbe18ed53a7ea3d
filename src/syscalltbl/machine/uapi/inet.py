"""Internet socket numbers and layouts (include/uapi/linux/in.h, in6.h, tcp.h, udp.h, sockios.h)."""

from __future__ import annotations

import struct
from typing import Final

# Protocols (include/uapi/linux/in.h)
IPPROTO_IP: Final = 0
IPPROTO_ICMP: Final = 1
IPPROTO_TCP: Final = 6
IPPROTO_UDP: Final = 17
IPPROTO_IPV6: Final = 41
IPPROTO_ICMPV6: Final = 58
IPPROTO_UDPLITE: Final = 136
IPPROTO_RAW: Final = 255

# SOL_IP options (include/uapi/linux/in.h)
IP_TOS: Final = 1
IP_TTL: Final = 2
IP_HDRINCL: Final = 3
IP_OPTIONS: Final = 4
IP_RECVOPTS: Final = 6
IP_RETOPTS: Final = 7
IP_PKTINFO: Final = 8
IP_MTU_DISCOVER: Final = 10
IP_RECVERR: Final = 11
IP_RECVTTL: Final = 12
IP_RECVTOS: Final = 13
IP_MTU: Final = 14
IP_FREEBIND: Final = 15
IP_MULTICAST_TTL: Final = 33
IP_MULTICAST_LOOP: Final = 34
IP_ADD_MEMBERSHIP: Final = 35
IP_DROP_MEMBERSHIP: Final = 36
MCAST_JOIN_GROUP: Final = 42
MCAST_LEAVE_GROUP: Final = 45
GROUP_REQ_SIZE: Final = 136  # struct group_req: gr_interface, padding, a sockaddr_storage
IGMP_MAX_MEMBERSHIPS: Final = 20  # net.ipv4.igmp_max_memberships

# SOL_IPV6 options (include/uapi/linux/in6.h)
IPV6_UNICAST_HOPS: Final = 16
IPV6_MULTICAST_HOPS: Final = 18
IPV6_MULTICAST_LOOP: Final = 19
IPV6_V6ONLY: Final = 26
IPV6_RECVPKTINFO: Final = 49
IPV6_TCLASS: Final = 67

# SOL_TCP options (include/uapi/linux/tcp.h)
TCP_NODELAY: Final = 1
TCP_MAXSEG: Final = 2
TCP_CORK: Final = 3
TCP_KEEPIDLE: Final = 4
TCP_KEEPINTVL: Final = 5
TCP_KEEPCNT: Final = 6
TCP_SYNCNT: Final = 7
TCP_LINGER2: Final = 8
TCP_DEFER_ACCEPT: Final = 9
TCP_WINDOW_CLAMP: Final = 10
TCP_QUICKACK: Final = 12
TCP_USER_TIMEOUT: Final = 18
TCP_NOTSENT_LOWAT: Final = 25

# SOL_UDP options (include/uapi/linux/udp.h), and UDP-Lite's at SOL_UDPLITE
UDP_CORK: Final = 1
UDPLITE_SEND_CSCOV: Final = 10
UDPLITE_RECV_CSCOV: Final = 11

# Socket ioctls (include/uapi/linux/sockios.h, asm-generic/sockios.h)
SIOCOUTQ: Final = 0x5411  # TIOCOUTQ
SIOCATMARK: Final = 0x8905
SIOCGSTAMP_OLD: Final = 0x8906
SIOCGIFNAME: Final = 0x8910
SIOCGIFCONF: Final = 0x8912
SIOCGIFFLAGS: Final = 0x8913
SIOCSIFFLAGS: Final = 0x8914
SIOCGIFADDR: Final = 0x8915
SIOCGIFNETMASK: Final = 0x891B
SIOCGIFMTU: Final = 0x8921
SIOCSIFMTU: Final = 0x8922
SIOCGIFINDEX: Final = 0x8933

# Network devices (include/uapi/linux/if.h)
IFNAMSIZ: Final = 16
IFREQ_SIZE: Final = 40  # struct ifreq: a name and a 24-byte union
IFF_UP: Final = 0x1
IFF_DEBUG: Final = 0x4
IFF_LOOPBACK: Final = 0x8
IFF_NOTRAILERS: Final = 0x20
IFF_RUNNING: Final = 0x40
IFF_NOARP: Final = 0x80
IFF_PROMISC: Final = 0x100
IFF_ALLMULTI: Final = 0x200
IFF_MULTICAST: Final = 0x1000
IFF_PORTSEL: Final = 0x2000
IFF_AUTOMEDIA: Final = 0x4000
IFF_DYNAMIC: Final = 0x8000

# Addresses
INADDR_ANY: Final = b"\0\0\0\0"
INADDR_LOOPBACK: Final = b"\x7f\0\0\1"
INADDR_BROADCAST: Final = b"\xff\xff\xff\xff"
IN6ADDR_ANY: Final = bytes(16)
IN6ADDR_LOOPBACK: Final = bytes(15) + b"\1"
V4MAPPED_PREFIX: Final = bytes(10) + b"\xff\xff"

# Layouts: sockaddr_in is family, port (network order), address, 8 bytes of zero; sockaddr_in6 family, port,
# flowinfo, address, scope id.
SOCKADDR_IN: Final = struct.Struct("<H2s4s8x")
SOCKADDR_IN6: Final = struct.Struct("<H2s4s16sI")
SIN6_LEN_RFC2133: Final = 24  # a sockaddr_in6 without sin6_scope_id, which bind and connect still take

# Defaults (Documentation/networking/ip-sysctl.rst)
IP_LOCAL_PORT_FIRST: Final = 32768  # net.ipv4.ip_local_port_range
IP_LOCAL_PORT_LAST: Final = 60999
IP_UNPRIVILEGED_PORT_START: Final = 1024  # net.ipv4.ip_unprivileged_port_start
IP_DEFAULT_TTL: Final = 64  # net.ipv4.ip_default_ttl
LOOPBACK_MTU: Final = 65536  # lo's MTU
TCP_MSS_DEFAULT: Final = 536
TCP_MSS_LOOPBACK: Final = 65483  # TCP_MAXSEG of a connection over lo (MTU less the headers and timestamps)
TCP_KEEPIDLE_DEFAULT: Final = 7200
TCP_KEEPINTVL_DEFAULT: Final = 75
TCP_KEEPCNT_DEFAULT: Final = 9
TCP_SYNCNT_DEFAULT: Final = 6
TCP_FIN_TIMEOUT: Final = 60
MAX_TCP_KEEPIDLE: Final = 32767
MAX_TCP_KEEPINTVL: Final = 32767
MAX_TCP_KEEPCNT: Final = 127
MAX_TCP_SYNCNT: Final = 127
UDP_MAX_PAYLOAD4: Final = 65507  # 65535 less the IPv4 and UDP headers
UDP_MAX_PAYLOAD6: Final = 65527  # 65535 less the UDP header (the IPv6 header is not in payload_len)
TCP_WMEM_DEFAULT: Final = 16384  # net.ipv4.tcp_wmem[1]
TCP_RMEM_DEFAULT: Final = 131072  # net.ipv4.tcp_rmem[1]

# sk_state of a TCP socket (include/net/tcp_states.h)
TCP_SYN_SENT: Final = 2
TCP_CLOSE_WAIT: Final = 8
