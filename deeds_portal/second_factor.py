"""A second factor for staff sign-in: a TOTP code from an authenticator app (django-otp).

* Office administrators (and superusers) always need it; other roles when named in
  ``SECOND_FACTOR_ROLES``. In DEBUG, ``make run``'s demo accounts are exempt.
* Anyone with a confirmed device types its code (or a one-time recovery code) at sign-in.
* A wrong or missing code is a failed sign-in: it counts toward the login lock (axes and
  the per-address limit) and is in the audit trail.
* Someone who must use it and has no device yet is sent to the enrolment page. It asks first
  for the one-time enrolment code (启用码) the office handed over when it reset the second
  factor (``issue_enrolment_code``), so a password alone never enrols an app; then it shows
  the QR code until the first code confirms it, then the recovery codes once.
"""

import re
import secrets
from base64 import b32encode
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.roles import OFFICE_ADMIN

from .models import EnrolmentCode

RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"^\d{6}$")
# Read aloud or copied from paper: no 0/O, 1/I/L. Twelve of them are about 60 bits.
ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_SESSION_KEY = "second_factor_enrolment_code"


def second_factor_required(user) -> bool:
    if not (user.is_authenticated and user.is_staff) or not settings.SECOND_FACTOR_ENFORCED:
        return False
    if settings.DEBUG and user.get_username() in settings.SECOND_FACTOR_DEMO_EXEMPT:
        return False
    roles = set(user.groups.values_list("name", flat=True))
    return user.is_superuser or OFFICE_ADMIN in roles or bool(roles & set(settings.SECOND_FACTOR_ROLES))


def verified_device(user, token: str):
    """The confirmed device ``token`` is a valid code of, or None. A six-digit code is tried
    against the authenticator app only, anything else against the recovery codes only, so a
    miss is not counted against the other device."""
    token = re.sub(r"\s", "", token or "")
    if not token:
        return None
    kind = TOTPDevice if TOTP_CODE.match(token) else StaticDevice
    for device in devices_for_user(user):
        if isinstance(device, kind):
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                return device
    return None


class SecondFactorAuthenticationForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=32,
        help_text=_(
            "The 6-digit code from your authenticator app, or a recovery code. Leave empty if you have not set one up."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not any(True for _device in devices_for_user(user)):
            return cleaned
        with transaction.atomic():
            device = verified_device(user, cleaned.get("otp_token", ""))
        if device is None:
            # A right password with a wrong code is still a failed sign-in: the lock counts it.
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise ValidationError(
                _(
                    "The authentication code is wrong or missing. Type the current code from your app, or a recovery code."
                ),
                code="invalid_token",
            )
        user.otp_device = device  # django-otp marks the session verified on login
        return cleaned


def _anonymous():
    """A visitor who is not signed in, as django-otp's middleware would present one."""
    visitor = AnonymousUser()
    visitor.otp_device = None
    visitor.is_verified = lambda: False
    return visitor


class SecondFactorMiddleware:
    """A session that passed only the password opens no staff page, wherever it is.

    For those who must use a second factor, an unverified session is sent from the admin to
    enrolment (or to sign in again with a code), and everywhere else it counts as not signed
    in at all: every view that asks for a signed-in user, today's and any added later, sees
    an anonymous visitor and refuses as it would refuse one. Public pages are the same for
    everyone and stay open. Only the sign-in pages themselves see the real user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and second_factor_required(user)  # first: a visitor without a session costs nothing more
            and not user.is_verified()
            and request.path not in _sign_in_pages()
        ):
            if request.path.startswith(reverse("admin:index")):
                if any(True for _device in devices_for_user(user)):
                    logout(request)  # signed in before the device existed: sign in again with a code
                    return redirect(f"{reverse('admin:login')}?next={request.path}")
                return redirect(reverse("second_factor_enrol"))
            request.user = _anonymous()
            request.auser = _async_anonymous
        return self.get_response(request)


async def _async_anonymous():
    return _anonymous()


def _sign_in_pages() -> tuple[str, ...]:
    return (
        reverse("second_factor_enrol"),
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("admin:jsi18n"),
    )


def issue_enrolment_code(user, issued_by=None) -> EnrolmentCode:
    """A new enrolment code for ``user`` (any earlier one is void); its text is on
    ``.plain_code``, to be shown once and never stored."""
    plain = "".join(secrets.choice(ENROLMENT_ALPHABET) for _number in range(12))
    hours = settings.SECOND_FACTOR_ENROLMENT_CODE_HOURS
    code, _created = EnrolmentCode.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": make_password(plain),
            "issued_by": issued_by,
            "issued_at": timezone.now(),
            "expires_at": timezone.now() + timedelta(hours=hours),
            "failed_attempts": 0,
        },
    )
    code.plain_code = "-".join(plain[start : start + 4] for start in range(0, 12, 4))
    return code


def _normalised(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "").upper()


def accept_enrolment_code(request, typed: str) -> bool:
    """Whether ``typed`` is the signed-in user's valid enrolment code. A wrong one is a failed
    sign-in (the login lock and the audit trail count it), and after a few the code is void."""
    user = request.user
    with transaction.atomic():
        code = EnrolmentCode.objects.select_for_update().filter(user=user).first()
        if (
            code is not None
            and code.expires_at > timezone.now()
            and check_password(_normalised(typed), code.code_hash)
        ):
            request.session[ENROLMENT_SESSION_KEY] = code.pk
            return True
        if code is not None:
            code.failed_attempts += 1
            if code.failed_attempts >= settings.SECOND_FACTOR_ENROLMENT_CODE_TRIES:
                code.delete()
            else:
                code.save(update_fields=["failed_attempts"])
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return False


def _enrolment_allowed(request) -> bool:
    code_pk = request.session.get(ENROLMENT_SESSION_KEY)
    return (
        code_pk is not None
        and EnrolmentCode.objects.filter(
            pk=code_pk, user=request.user, expires_at__gt=timezone.now()
        ).exists()
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=32,
        help_text=_("The one-time code an office administrator gave you when they reset your second factor."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def _ask_for_enrolment_code(request):
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if accept_enrolment_code(request, form.cleaned_data["enrolment_code"]):
            return redirect(reverse("second_factor_enrol"))
        form.add_error(
            "enrolment_code",
            _("That enrolment code is wrong, used or expired. Ask an office administrator for a new one."),
        )
    return render(
        request,
        "admin/second_factor/enrolment_code.html",
        {"title": _("Set up a second factor"), "form": form},
    )


class ConfirmDeviceForm(forms.Form):
    code = forms.RegexField(
        regex=TOTP_CODE,
        label=_("Code shown by the app"),
        error_messages={"invalid": _("Type the 6 digits the app shows.")},
    )


@never_cache
@staff_member_required
def enrol(request):
    """Set up the authenticator app: scan the QR code, confirm with a code, keep the recovery codes."""
    user = request.user
    if any(device.confirmed for device in TOTPDevice.objects.filter(user=user)):
        return render(
            request,
            "admin/second_factor/enrolled.html",
            {
                "title": _("Second factor"),
                "recovery_left": StaticToken.objects.filter(device__user=user).count(),
            },
        )
    if not _enrolment_allowed(request):
        return _ask_for_enrolment_code(request)
    form = ConfirmDeviceForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if request.method == "POST" and device is not None and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                StaticDevice.objects.filter(user=user).delete()
                recovery = StaticDevice.objects.create(user=user, name=str(_("Recovery codes")))
                codes = [StaticToken.random_token() for _number in range(RECOVERY_CODE_COUNT)]
                StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
                EnrolmentCode.objects.filter(user=user).delete()  # used: it enrols nothing more
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            return render(
                request,
                "admin/second_factor/recovery_codes.html",
                {"title": _("Recovery codes"), "codes": codes},
            )
        form.add_error(
            "code", _("That code is not right. Check the phone's clock and type the code the app shows now.")
        )
    elif request.method == "GET" or device is None:
        # A fresh secret for every new page: a QR code seen earlier is worth nothing.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)
    context = {
        "title": _("Set up a second factor"),
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, light="#fff"),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "admin/second_factor/enrol.html", context)
