"""Keeps the request at hand, so an entry written from a signal knows the user and address."""

from contextvars import ContextVar

current_request = ContextVar("audit_current_request", default=None)


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
