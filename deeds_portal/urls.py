from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from review.views import moved_queue
from units.media import serve_media

from . import elder, open_data, second_factor, views
from .sitemaps import SITEMAPS

admin.site.site_header = _("Practical deeds for the people · staff")
admin.site.site_title = _("Practical deeds for the people")
admin.site.index_title = _("Ledgers of the four special tasks")
admin.site.login_form = second_factor.SecondFactorAuthenticationForm

# Staff, machines and files: one URL each, whatever the language.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", views.public_sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # Uploads: routed by folder to the app that owns them (see units.media).
    path("media/<path:name>", serve_media, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    # 长辈版: the per-reader stylesheet and its switch (see deeds_portal/elder.py).
    path("elder.css", elder.elder_stylesheet, name="elder-stylesheet"),
    path("elder/", elder.elder_switch, name="elder-switch"),
    path("admin/second-factor/", second_factor.enrol, name="second_factor_enrol"),
    # The review queue moved from units to its own app: the addresses staff kept still open it.
    re_path(r"^admin/units/reviewrequest/(?P<rest>.*)$", moved_queue, name="review_queue_moved"),
    path("admin/", include("imports.urls")),  # old addresses of the import jobs
    path("admin/", admin.site.urls),
]

# Public pages: Chinese at the plain URLs, English under /en/ (a shared link keeps its language).
urlpatterns += i18n_patterns(
    path("", views.dashboard, name="dashboard"),
    path("projects/", include("projects.urls")),
    path("reforms/", include("reforms.urls")),
    path("hotline/", include("hotline.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("suggestions/", include("suggestions.urls")),
    path("open-data/", include(open_data.urlpatterns)),
    prefix_default_language=False,
)
