"""sitemap.xml: every public page, in both languages (hreflang alternates)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from projects.models import Project
from reforms.models import ServiceItem
from suggestions.models import Suggestion


class BilingualSitemap(Sitemap):
    """Each address in Chinese (plain) and English (/en/), with the Chinese one as x-default."""

    i18n = True
    alternates = True
    x_default = True


class PublicPagesSitemap(BilingualSitemap):
    changefreq = "daily"

    def items(self):
        return [
            "dashboard",
            "projects:list",
            "reforms:list",
            "hotline:index",
            "volunteers:index",
            "volunteers:join",
            "suggestions:list",
            "open-data",
        ]

    def location(self, item):
        return reverse(item)


def rows_sitemap(queryset, changefreq: str, dated: bool = True) -> type[BilingualSitemap]:
    """A sitemap of a public list's rows (their get_absolute_url), newest change as lastmod."""

    class RowsSitemap(BilingualSitemap):
        def items(self):
            return queryset().order_by("pk")

        if dated:

            def lastmod(self, row):
                return row.updated_at

    RowsSitemap.changefreq = changefreq
    return RowsSitemap


class SuggestionSitemap(BilingualSitemap):
    changefreq = "weekly"

    def items(self):
        return Suggestion.objects.published().order_by("pk")

    def location(self, suggestion):
        return reverse("suggestions:detail", args=[suggestion.pk])


SITEMAPS = {
    "pages": PublicPagesSitemap,
    "projects": rows_sitemap(lambda: Project.objects.published(), "weekly"),
    "reforms": rows_sitemap(lambda: ServiceItem.objects.published(), "monthly"),
    "suggestions": SuggestionSitemap,
}
