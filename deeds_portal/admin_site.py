"""The portal's admin site: Django's own, with rules that every registered admin keeps.

Installed as the default site (``PortalAdminConfig`` in ``INSTALLED_APPS``), so
``admin.site`` and ``@admin.register`` everywhere, third-party apps included, use it.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from units.admin_guard import LookupGuardMixin, guard_admin_view


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, LookupGuardMixin):
            admin_class = type(
                admin_class.__name__,
                (LookupGuardMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view, cacheable=False):
        # Every ModelAdmin's pages (list, export, history, change) come through here.
        return super().admin_view(guard_admin_view(view), cacheable)


class PortalAdminConfig(AdminConfig):
    default_site = "deeds_portal.admin_site.PortalAdminSite"
