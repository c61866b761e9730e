"""A second factor for staff sign-in: a TOTP code from an authenticator app (django-otp).

* Office administrators (and superusers) always need it; other roles when named in
  ``SECOND_FACTOR_ROLES``. In DEBUG, ``make run``'s demo accounts are exempt.
* Anyone with a confirmed device types its code (or a one-time recovery code) at sign-in.
* A wrong or missing code is a failed sign-in: it counts toward the login lock (axes and
  the per-address limit) and is in the audit trail.
* Someone who must use it and has no device yet is sent to the enrolment page, which shows
  the QR code until the first code confirms it, then the recovery codes once.
"""

import re
from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.roles import OFFICE_ADMIN

RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"^\d{6}$")


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


class SecondFactorMiddleware:
    """Admin pages need a verified session from those who must use a second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        admin_root = reverse("admin:index")
        enrol = reverse("second_factor_enrol")
        open_pages = (enrol, reverse("admin:login"), reverse("admin:logout"), reverse("admin:jsi18n"))
        if (
            user is not None
            and request.path.startswith(admin_root)
            and request.path not in open_pages
            and second_factor_required(user)
            and not user.is_verified()
        ):
            if any(True for _device in devices_for_user(user)):
                logout(request)  # signed in before the device existed: sign in again with a code
                return redirect(f"{reverse('admin:login')}?next={request.path}")
            return redirect(enrol)
        return self.get_response(request)


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
