from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from projects.views import progress_photo

from . import views

admin.site.site_header = _("Practical deeds for the people · staff")
admin.site.site_title = _("Practical deeds for the people")
admin.site.index_title = _("Ledgers of the four special tasks")

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/", include("projects.urls")),
    path("hotline/", include("hotline.urls")),
    path("media/<path:name>", progress_photo, name="progress-photo"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
