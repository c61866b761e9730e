"""长辈版 (elder mode): larger type, more line spacing, higher contrast, bigger tap targets.

Every public page is the same for everyone (it comes from the page cache), so the
page itself never says which mode a reader chose. Each page links one extra
stylesheet, ``/elder.css``; that small answer is the only thing that differs per
reader: the elder styles when the reader's ``elder`` cookie is set, nothing
otherwise. The switch is a plain link (no JavaScript) that sets or clears the
cookie and goes back to the page; both links are in every page, and the styles
show the one that applies.
"""

import hashlib

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE = "elder"
COOKIE_AGE = 365 * 24 * 3600


def elder_switch(request):
    """``/elder/?on=1&next=/projects/`` turns elder mode on (``on=0`` off) and goes back."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.GET.get("on") == "1":
        response.set_cookie(
            COOKIE,
            "1",
            max_age=COOKIE_AGE,
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    response["Cache-Control"] = "no-store"
    return response


def elder_stylesheet(request):
    """The reader's own stylesheet: the elder styles, or an empty sheet."""
    if request.COOKIES.get(COOKIE) == "1":
        body = f'@import url("{static("css/elder.css")}");\n'
    else:
        body = "/* standard mode */\n"
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:16]}"'
    response["ETag"] = etag
    # Revalidated on every page (a 304 costs a few bytes); private so no shared cache keeps one reader's mode.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(request, etag=etag, response=response) or response
