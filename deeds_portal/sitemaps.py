"""sitemap.xml: every public page, in both languages (hreflang alternates)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from projects.models import Project
from reforms.models import ServiceItem
from suggestions.models import Suggestion


class PublicPagesSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self):
        return [
            "dashboard",
            "projects:list",
            "reforms:list",
            "hotline:index",
            "volunteers:index",
            "suggestions:list",
            "open-data",
        ]

    def location(self, item):
        return reverse(item)


class ProjectSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return Project.objects.published().order_by("pk")

    def lastmod(self, project):
        return project.updated_at


class ServiceItemSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "monthly"

    def items(self):
        return ServiceItem.objects.order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class SuggestionSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return Suggestion.objects.published().order_by("pk")

    def location(self, suggestion):
        return reverse("suggestions:detail", args=[suggestion.pk])


SITEMAPS = {
    "pages": PublicPagesSitemap,
    "projects": ProjectSitemap,
    "reforms": ServiceItemSitemap,
    "suggestions": SuggestionSitemap,
}
