"""The office's view of what was sent (no addresses: they are personal data), and every staff
member's page to turn off the kinds of notification they do not want."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from units.admin import ReadOnlyAdminMixin

from .models import STAFF_KINDS, Notification, Preference


class PreferenceForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Tell me by e-mail when"),
        choices=[(kind.value, kind.label) for kind in STAFF_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "kind", "recipient", "channel_name", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    fields = [
        "kind",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]

    @admin.display(description=_("channel"))
    def channel_name(self, notification):
        return notification.channel.rsplit(".", 1)[-1]

    def get_urls(self):
        preferences = path(
            "preferences/",
            self.admin_site.admin_view(self.preferences_view),
            name="notifications_notification_preferences",
        )
        return [preferences, *super().get_urls()]

    def preferences_view(self, request):
        """Every staff member, for themselves only: which kinds they are told of."""
        preference, _created = Preference.objects.get_or_create(user=request.user)
        wanted = [kind.value for kind in STAFF_KINDS if kind.value not in preference.muted]
        form = PreferenceForm(request.POST or None, initial={"kinds": wanted})
        if request.method == "POST" and form.is_valid():
            preference.muted = [
                kind.value for kind in STAFF_KINDS if kind.value not in form.cleaned_data["kinds"]
            ]
            preference.save()
            messages.success(request, _("Your notification settings were saved."))
            return HttpResponseRedirect(reverse("admin:notifications_notification_preferences"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("My notifications"),
            "form": form,
            "has_email": bool(request.user.email),
        }
        return TemplateResponse(request, "admin/notifications/preferences.html", context)
