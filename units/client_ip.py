"""The client's address, as the login lock (django-axes) and the citizens' forms' rate limits see it.

Behind nginx every request reaches the app server from 127.0.0.1; keyed on that, one
password guesser would lock every staff member out. With PROXY_COUNT proxies in front,
the address is the one the outermost of ours put in X-Forwarded-For (counted from the
right, so a value the client wrote itself is never taken); without, REMOTE_ADDR.

``limit_address`` is what every per-address limit counts (the login lock, the sign-in
throttle, the citizens' forms): a provider hands one IPv6 subscriber a whole /64, so
counting its addresses one by one would let one phone step past any limit. The audit
trail keeps the exact address (``client_ip``).
"""

import ipaddress

from django.conf import settings

IPV6_SUBSCRIBER_PREFIX = 64


def client_ip(request) -> str | None:
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def limit_address(request) -> str | None:
    """The address a per-address limit counts: an IPv4 address itself, an IPv6 address's /64.

    Returned as the network's first address, so it stays a valid address wherever one is
    stored (django-axes keeps it in its attempts)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address  # a test client's placeholder: counted as it is
    if parsed.version == 6 and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        network = ipaddress.ip_network(f"{parsed}/{IPV6_SUBSCRIBER_PREFIX}", strict=False)
        return str(network.network_address)
    return str(parsed)
