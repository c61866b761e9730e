from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from units.media import serve_media

from . import views

admin.site.site_header = _("Practical deeds for the people · staff")
admin.site.site_title = _("Practical deeds for the people")
admin.site.index_title = _("Ledgers of the four special tasks")

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/", include("projects.urls")),
    # Uploads: routed by folder to the app that owns them (see units.media).
    path("media/<path:name>", serve_media, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
