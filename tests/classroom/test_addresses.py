"""The student address: chosen from lists of interfaces handed in (no test connects to a LAN address)."""

from __future__ import annotations

import pytest

from app.classroom.addresses import Interface, hall_hint, student_hosts

LAPTOP = [
    Interface("lo", "127.0.0.1"),
    Interface("docker0", "172.17.0.1"),
    Interface("wlan0", "192.168.1.23"),
    Interface("eth0", "10.20.0.5"),
    Interface("eth1", "169.254.3.3"),
    Interface("tailscale0", "100.101.1.2"),
]


def test_on_all_interfaces_the_lan_addresses_come_first() -> None:
    assert student_hosts("0.0.0.0", LAPTOP) == ["192.168.1.23", "10.20.0.5", "172.17.0.1", "100.101.1.2"]


def test_loopback_only_when_nothing_else_exists() -> None:
    assert student_hosts("0.0.0.0", [Interface("lo", "127.0.0.1"), Interface("eth0", "169.254.0.9")]) == ["127.0.0.1"]
    assert student_hosts("0.0.0.0", []) == ["127.0.0.1"]


def test_ipv6_addresses_only_for_a_server_that_listens_on_ipv6() -> None:
    interfaces = [Interface("eth0", "fd00::5"), Interface("eth0", "fe80::1"), Interface("eth0", "192.168.0.4")]

    assert student_hosts("0.0.0.0", interfaces) == ["192.168.0.4"]
    assert student_hosts("::", interfaces) == ["192.168.0.4", "fd00::5"]


def test_a_specific_bind_address_is_the_one_offered() -> None:
    assert student_hosts("192.168.1.23", LAPTOP) == ["192.168.1.23"]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.1.1"])
def test_a_loopback_server_says_how_to_restart_for_the_hall(host: str) -> None:
    assert "make serve HOST=0.0.0.0" in (hall_hint(host) or "")


def test_a_hall_server_needs_no_hint() -> None:
    assert hall_hint("0.0.0.0") is None
