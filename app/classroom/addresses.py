"""Which address students can reach this server at: the LAN addresses, likeliest first.

`student_hosts` is pure and is tested with lists of interfaces; `local_interfaces` asks the operating
system for this machine's IPv4 addresses without sending any traffic.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
HALL_HINT = ("this server listens on {host} only, which other machines cannot reach: for a class, restart it "
             "with `make serve HOST=0.0.0.0` (or `backprop-explorer serve --host 0.0.0.0`)")
# Interfaces that are not the room's network: containers, virtual machines, VPN tunnels.
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "lxd", "cni", "flannel",
                    "podman", "tun", "tap", "wg", "tailscale", "zt", "utun")
_SIOCGIFADDR = 0x8915


@dataclass(frozen=True)
class Interface:
    name: str
    address: str


def student_hosts(bind_host: str, interfaces: Iterable[Interface]) -> list[str]:
    """Hosts for the student address, best first. Loopback only when nothing else can be offered."""
    if bind_host not in WILDCARD_HOSTS:
        return [bind_host]
    ranked = sorted(
        {(rank, iface.address) for iface in interfaces if (rank := _rank(iface)) is not None},
        key=lambda pair: (pair[0], _address_order(pair[1])),
    )
    hosts = list(dict.fromkeys(address for _, address in ranked))
    if bind_host == "0.0.0.0":
        hosts = [host for host in hosts if ":" not in host]  # an IPv4-only socket cannot take IPv6 students
    return hosts or ["127.0.0.1"]


def is_loopback_only(bind_host: str) -> bool:
    if bind_host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(bind_host).is_loopback
    except ValueError:
        return False


def hall_hint(bind_host: str) -> str | None:
    """What to do when students cannot reach this server (it listens on loopback), else None."""
    return HALL_HINT.format(host=bind_host) if is_loopback_only(bind_host) else None


def _rank(iface: Interface) -> int | None:
    """Lower is likelier: private IPv4 on a real interface first; None for addresses students cannot use."""
    try:
        address = ipaddress.ip_address(iface.address.split("%", 1)[0])
    except ValueError:
        return None
    if address.is_loopback or address.is_link_local or address.is_multicast or address.is_unspecified:
        return None
    virtual = iface.name.lower().startswith(VIRTUAL_PREFIXES)
    if address.version == 4:
        if address in _NET_192:
            rank = 0
        elif address in _NET_10:
            rank = 1
        elif address in _NET_172:
            rank = 2
        else:
            rank = 3  # carrier-grade NAT, or a public address
    else:
        rank = 4 if address.is_private else 5
    return rank + (10 if virtual else 0)


_NET_192 = ipaddress.ip_network("192.168.0.0/16")
_NET_10 = ipaddress.ip_network("10.0.0.0/8")
_NET_172 = ipaddress.ip_network("172.16.0.0/12")


def _address_order(address: str) -> tuple[int, int]:
    parsed = ipaddress.ip_address(address.split("%", 1)[0])
    return parsed.version, int(parsed)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def local_interfaces() -> list[Interface]:
    """This machine's IPv4 address per interface (Linux: one ioctl each), else what its hostname resolves to."""
    found: list[Interface] = []
    if sys.platform.startswith("linux"):
        found = _linux_interfaces()
    if not found:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_DGRAM)
        except OSError:
            infos = []
        found = [Interface("host", str(info[4][0])) for info in infos]
    return found


def _linux_interfaces() -> list[Interface]:
    import fcntl

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # never bound or connected: no traffic
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # the interface has no IPv4 address
            found.append(Interface(name, socket.inet_ntoa(packed[20:24])))
    return found
