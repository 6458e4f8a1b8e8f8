"""The caller's address behind our proxies, and allow-lists of addresses and networks."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from config.clientip import client_ip, ip_allowed


def request_from(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().post("/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    spoofed = request_from("203.0.113.9", forwarded="196.201.214.200")
    assert client_ip(spoofed) == "203.0.113.9"
    assert not ip_allowed(spoofed, ["196.201.214.0/24"])


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself; our proxy appended the real address.
    request = request_from("10.0.0.2", forwarded="196.201.214.200, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
    assert not ip_allowed(request, ["196.201.214.200"])
    honest = request_from("10.0.0.2", forwarded="196.201.214.200")
    assert ip_allowed(honest, ["196.201.214.0/24"])


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.2", forwarded="1.2.3.4, 196.201.214.7, 10.0.0.1")
    assert client_ip(request) == "196.201.214.7"


def test_a_request_that_skipped_our_proxies_is_nobody(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    direct = request_from("196.201.214.200")  # no X-Forwarded-For: not through our proxy
    assert client_ip(direct) == ""
    assert not ip_allowed(direct, ["196.201.214.200"])


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [([], True), (["127.0.0.1"], True), (["127.0.0.0/8"], True), (["10.0.0.0/8"], False)],
)
def test_allow_lists_take_addresses_and_networks(settings, allowed, expected):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ip_allowed(request_from("127.0.0.1"), allowed) is expected
