"""The volunteers' own pages (personal link, check-in at the post) and the coordinator's side of them.

No session, no CSRF cookie. What authorises a POST to ``/volunteers/me/<token>/`` is the
token in its address: a page on another site cannot send it, because it does not know
it, and no cookie the browser would add on its own carries any authority there. Each
form also carries a field signed for this link (and its action), valid for a day, so a
form of a regenerated link, or one assembled by hand, is refused. The check-in page is
the one place a cookie matters (the phone remembers whose it is), and there the signed
field, which only the volunteer's own page view can produce, plays the CSRF token's part.

Every answer is ``Cache-Control: no-store`` (``never_cache``) with no referrer, and the
pages are rate-limited per address (``units.rate_limit``), unknown tokens included.
"""

from functools import wraps

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from units.dates import today
from units.models import Unit
from units.public_pages import public_page
from units.rate_limit import over_limit

from . import self_service
from .links import SelfServiceRules
from .models import Assignment, Certificate, Post, ServiceType, Shift, ShiftPattern, Volunteer

FORM_MAX_AGE = 24 * 3600
PAGE_LIMIT = 120  # requests per address in LIMIT_PERIOD: a family behind one address is fine
POST_LIMIT = 30
LIMIT_PERIOD = 600
PHONE_COOKIE = "volunteer_phone"
PHONE_COOKIE_SALT = "volunteers.phone"
POST_CODE_SALT = "volunteers.check-in-post"


def private_page(view):
    """Rate-limited, never stored anywhere, no referrer leaving with the token in it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        action = "volunteer-post" if request.method == "POST" else "volunteer-page"
        limit = POST_LIMIT if request.method == "POST" else PAGE_LIMIT
        if over_limit(request, action, limit, LIMIT_PERIOD):
            response = render(
                request, "volunteers/self/too_many.html", {"minutes": LIMIT_PERIOD // 60}, status=429
            )
        else:
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response

    return csrf_exempt(never_cache(wrapped))


@public_page(Post, ShiftPattern, Shift, Assignment, ServiceType, SelfServiceRules, Unit)
def join(request):
    """How to join: each post, its services and weekly times, places open in the coming weeks."""
    return render(
        request,
        "volunteers/join.html",
        {"rows": self_service.join_posts(), "weeks": self_service.SIGN_UP_WEEKS},
    )


def _form_salt(link, action: str) -> str:
    return f"volunteers.self:{link.digest}:{action}"


def form_field(link, action: str, value="") -> str:
    return signing.dumps(str(value), salt=_form_salt(link, action))


def _signed_value(request, link, action: str) -> str | None:
    try:
        return signing.loads(
            request.POST.get("form", ""), salt=_form_salt(link, action), max_age=FORM_MAX_AGE
        )
    except signing.BadSignature:
        return None


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("period from"))
    end = forms.DateField(label=gettext_lazy("period until"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise ValidationError(_("The end date cannot be before the start date."))
        return cleaned


def _live_link(token):
    link = self_service.link_for_token(token)
    if link is None:
        raise Http404
    return link


@private_page
@require_http_methods(["GET", "POST"])
def personal_page(request, token):
    link = _live_link(token)
    volunteer = link.volunteer
    period = PeriodForm(initial={"start": today().replace(month=1, day=1), "end": today()})
    if request.method == "POST":
        action = request.POST.get("action", "")
        value = _signed_value(request, link, action)
        if value is None:
            expired = _("This form has expired. Please try again from the refreshed page.")
            return _render_personal(request, link, errors=[expired], status=400)
        try:
            if action == "sign-up":
                assignment = self_service.sign_up(volunteer, int(value))
                notice = _("You are booked on %(shift)s.") % {"shift": assignment.shift}
            elif action == "cancel":
                shift = self_service.cancel(volunteer, int(value))
                notice = _("Your booking on %(shift)s is cancelled.") % {"shift": shift}
            elif action == "certificate":
                period = PeriodForm(request.POST)
                if not period.is_valid():
                    return _render_personal(request, link, period=period, status=400)
                certificate = self_service.own_certificate(
                    volunteer, period.cleaned_data["start"], period.cleaned_data["end"]
                )
                return redirect("volunteers:my-certificate", token, certificate.number)
            else:
                raise Http404
        except self_service.Refused as refusal:
            return _render_personal(request, link, period=period, errors=[refusal.message], status=409)
        # Back to the page (no resubmission on reload), the outcome in the address's query.
        return HttpResponseRedirect(f"{request.path}?{_notice_query(link, notice)}")
    notice = _notice_from_query(request, link)
    return _render_personal(request, link, period=period, notice=notice)


NOTICE_SALT = "volunteers.self.notice"


def _notice_query(link, notice: str) -> str:
    return urlencode({"done": signing.dumps(notice, salt=NOTICE_SALT + link.digest, compress=True)})


def _notice_from_query(request, link) -> str | None:
    try:
        return signing.loads(request.GET.get("done", ""), salt=NOTICE_SALT + link.digest, max_age=300)
    except signing.BadSignature:
        return None


def _render_personal(request, link, period=None, errors=(), notice=None, status=200):
    volunteer = link.volunteer
    bookings = self_service.upcoming_bookings(volunteer)
    shifts = list(self_service.open_shifts(volunteer))
    for booking in bookings:
        booking.form = form_field(link, "cancel", booking.assignment.pk)
    for shift in shifts:
        shift.form = form_field(link, "sign-up", shift.pk)
    context = {
        "volunteer": volunteer,
        "bookings": bookings,
        "open_shifts": shifts,
        "attended": self_service.attended(volunteer),
        "certificates": volunteer.certificates.order_by("-issued_at")[:20],
        "period": period or PeriodForm(),
        "certificate_form": form_field(link, "certificate"),
        "token": self_service.link_token(link),
        "errors": errors,
        "notice": notice,
        "rules": self_service.rules_of(volunteer.unit),
        "link_expires": self_service.link_expires_at(link),
    }
    response = render(request, "volunteers/self/personal.html", context, status=status)
    # The phone remembers whose it is, for checking in at the post (the link's digest, signed;
    # never the token). It lives as long as the link could.
    response.set_signed_cookie(
        PHONE_COOKIE,
        link.digest,
        salt=PHONE_COOKIE_SALT,
        max_age=int(self_service.link_lifetime().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@private_page
@require_http_methods(["GET"])
def my_certificate(request, token, number):
    link = _live_link(token)
    certificate = get_object_or_404(
        Certificate.objects.select_related("volunteer__unit", "issuing_unit"),
        volunteer=link.volunteer,
        number=number,
    )
    return render(request, "volunteers/self/certificate.html", {"certificate": certificate, "token": token})


# Check-in at the post ----------------------------------------------------------------------


def post_code(post: Post) -> str:
    """What the post's sign encodes: the post, signed, so nobody checks in at a post by number."""
    return signing.Signer(salt=POST_CODE_SALT).sign(str(post.pk))


def _post_from_code(code: str) -> Post:
    try:
        pk = int(signing.Signer(salt=POST_CODE_SALT).unsign(code))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    return get_object_or_404(Post.objects.select_related("unit"), pk=pk, is_active=True)


def _phone_link(request):
    digest = request.get_signed_cookie(PHONE_COOKIE, default=None, salt=PHONE_COOKIE_SALT)
    return self_service.link_for_digest(digest) if digest else None


@private_page
@require_http_methods(["GET", "POST"])
def check_in(request, code):
    post = _post_from_code(code)
    link = _phone_link(request)
    context = {
        "post": post,
        "volunteer": link.volunteer if link else None,
        "errors": [],
        "done": None,
        "early": int(self_service.CHECK_IN_EARLY.total_seconds() // 60),
    }
    status = 200
    if link is not None and request.method == "POST":
        value = _signed_value(request, link, "check-in")
        if value is None:
            context["errors"] = [
                _("You can check in only yourself, for a shift you are booked on at this post.")
            ]
            status = 403
        else:
            try:
                context["done"] = self_service.check_in(link.volunteer, post, int(value))
            except self_service.Refused as refusal:
                context["errors"] = [refusal.message]
                status = 409
    elif request.method == "POST":
        status = 403
    if link is not None:
        bookings = self_service.check_in_bookings(link.volunteer, post)
        for assignment in bookings:
            assignment.form = form_field(link, "check-in", assignment.pk)
            assignment.opens, assignment.closes = self_service.check_in_window(assignment.shift)
        context["bookings"] = bookings
    return render(request, "volunteers/self/check_in.html", context, status=status)


# The coordinator's side --------------------------------------------------------------------


def personal_url(request, token: str) -> str:
    """The link in Chinese (the volunteers read Chinese), on this host."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("volunteers:me", args=[token])
    return request.build_absolute_uri(path)


def qr_svg(url: str) -> str:
    # Level M survives a crease in a printed slip; vector, sized by the page's CSS.
    return segno.make_qr(url, error="m").svg_inline(border=4, omitsize=True, svgclass="qr", title="")


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def personal_link(request, volunteer_pk):
    """The coordinator gives, shows, regenerates or revokes a volunteer's personal link."""
    if not request.user.has_perm("volunteers.change_volunteer"):
        raise PermissionDenied
    volunteer = get_object_or_404(Volunteer.objects.for_user(request.user), pk=volunteer_pk)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            self_service.revoke_link(volunteer)
            messages.success(
                request, _("The personal link of %(name)s no longer works.") % {"name": volunteer}
            )
        else:
            self_service.issue_link(volunteer, request.user)
            messages.success(
                request,
                _("%(name)s has a new personal link; any earlier one no longer works.") % {"name": volunteer},
            )
        return redirect("volunteers:personal-link", volunteer.pk)
    link = getattr(volunteer, "personal_link", None)
    context = {"volunteer": volunteer, "link": link}
    if link is not None:
        url = personal_url(request, self_service.link_token(link))
        context.update(
            url=url,
            qr=qr_svg(url),
            live=self_service.link_is_live(link),
            expires=self_service.link_expires_at(link),
        )
    return render(request, "volunteers/self/link_admin.html", context)


@never_cache
@staff_member_required
def check_in_sign(request, post_pk):
    """An A4 sign for the post; its QR code opens the post's check-in page."""
    if not request.user.has_perm("volunteers.view_post"):
        raise PermissionDenied
    post = get_object_or_404(Post.objects.for_user(request.user).select_related("unit"), pk=post_pk)
    with translation.override(settings.LANGUAGE_CODE):
        url = request.build_absolute_uri(reverse("volunteers:check-in", args=[post_code(post)]))
    return render(
        request,
        "volunteers/self/check_in_sign.html",
        {
            "post": post,
            "url": url,
            "qr": qr_svg(url),
            "early": int(self_service.CHECK_IN_EARLY.total_seconds() // 60),
        },
    )


@never_cache
@staff_member_required
@require_POST
def confirm_attendance(request, assignment_pk):
    """From the roster: the coordinator confirms a volunteer who checked in was there."""
    if not request.user.has_perm("volunteers.change_assignment"):
        raise PermissionDenied
    assignment = get_object_or_404(
        Assignment.objects.for_user(request.user).select_related(
            "shift__post", "shift__service", "volunteer"
        ),
        pk=assignment_pk,
    )
    try:
        self_service.confirm_attendance(assignment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s was present at %(shift)s.")
            % {"name": assignment.volunteer, "shift": assignment.shift},
        )
    month = timezone.localdate(assignment.shift.starts_at).strftime("%Y-%m")
    return redirect(f"{reverse('volunteers:roster')}?month={month}")
