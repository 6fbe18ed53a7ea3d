"""AF_PACKET numbers and layouts (include/uapi/linux/if_packet.h, if_ether.h, virtio_net.h)."""

from __future__ import annotations

import struct
from typing import Final

SOL_PACKET: Final = 263

# struct sockaddr_ll: family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8]
SOCKADDR_LL: Final = struct.Struct("<H2siHBB8s")
SLL_ADDR_OFFSET: Final = 12

ETH_P_ALL: Final = 0x0003
ETH_HLEN: Final = 14
ETH_ALEN: Final = 6
VLAN_HLEN: Final = 4

PACKET_HOST: Final = 0
PACKET_BROADCAST: Final = 1
PACKET_MULTICAST: Final = 2
PACKET_OTHERHOST: Final = 3
PACKET_OUTGOING: Final = 4

PACKET_ADD_MEMBERSHIP: Final = 1
PACKET_DROP_MEMBERSHIP: Final = 2
PACKET_RX_RING: Final = 5
PACKET_STATISTICS: Final = 6
PACKET_COPY_THRESH: Final = 7
PACKET_AUXDATA: Final = 8
PACKET_ORIGDEV: Final = 9
PACKET_VERSION: Final = 10
PACKET_HDRLEN: Final = 11
PACKET_RESERVE: Final = 12
PACKET_TX_RING: Final = 13
PACKET_LOSS: Final = 14
PACKET_VNET_HDR: Final = 15
PACKET_TX_TIMESTAMP: Final = 16
PACKET_TIMESTAMP: Final = 17
PACKET_FANOUT: Final = 18
PACKET_TX_HAS_OFF: Final = 19
PACKET_QDISC_BYPASS: Final = 20
PACKET_ROLLOVER_STATS: Final = 21
PACKET_FANOUT_DATA: Final = 22
PACKET_IGNORE_OUTGOING: Final = 23
PACKET_VNET_HDR_SZ: Final = 24

TPACKET_V1: Final = 0
TPACKET_V2: Final = 1
TPACKET_V3: Final = 2
TPACKET_ALIGNMENT: Final = 16
#: TPACKET_HDRLEN, TPACKET2_HDRLEN, TPACKET3_HDRLEN: each header aligned, then a sockaddr_ll.
TPACKET_HDRLENS: Final = {TPACKET_V1: 32 + 20, TPACKET_V2: 32 + 20, TPACKET_V3: 48 + 20}
#: What PACKET_HDRLEN reports for each version: sizeof the header struct alone.
TPACKET_HDR_SIZES: Final = {TPACKET_V1: 28, TPACKET_V2: 32, TPACKET_V3: 48}
TPACKET_REQ: Final = struct.Struct("<IIII")  # tp_block_size, tp_block_nr, tp_frame_size, tp_frame_nr
TPACKET_REQ3: Final = struct.Struct("<IIIIIII")  # ... tp_retire_blk_tov, tp_sizeof_priv, tp_feature_req_word
BLK_HDR_LEN: Final = 48  # ALIGN(sizeof(struct tpacket_block_desc), 8)
TPACKET_STATS: Final = struct.Struct("<II")  # tp_packets, tp_drops
TPACKET_STATS_V3: Final = struct.Struct("<III")  # ... tp_freeze_q_cnt

VIRTIO_NET_HDR_LEN: Final = 10  # struct virtio_net_hdr
