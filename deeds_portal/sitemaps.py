"""sitemap.xml: every public page, in both languages (hreflang alternates)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from projects.models import Project


class PublicPagesSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self):
        return ["dashboard", "projects:list", "open-data"]

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


SITEMAPS = {"pages": PublicPagesSitemap, "projects": ProjectSitemap}
