"""The client's address, as the login lock (django-axes) and the citizens' forms' rate limits see it.

Behind nginx every request reaches the app server from 127.0.0.1; keyed on that, one
password guesser would lock every staff member out. With PROXY_COUNT proxies in front,
the address is the one the outermost of ours put in X-Forwarded-For (counted from the
right, so a value the client wrote itself is never taken); without, REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings


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
