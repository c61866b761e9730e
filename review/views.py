"""The review queue's old addresses, from when it was part of ``units``."""

from django.http import HttpResponsePermanentRedirect

NEW_PREFIX = "/admin/review/reviewrequest/"


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308  # a decision posted from a page opened before the move is posted again, not lost


def moved_queue(request, rest=""):
    """``/admin/units/reviewrequest/…`` (bookmarks, links in staff's notes and e-mails) opens the
    same page of ``/admin/review/reviewrequest/…``, with its query (the filters) kept."""
    target = NEW_PREFIX + rest
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(target)
    return PermanentRedirectKeepingMethod(target)
