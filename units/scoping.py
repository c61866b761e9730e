"""Unit scoping: the one place that decides whose rows a staff user may touch.

Every admin, import and export of a unit-owned ledger goes through these
functions, through ``units.admin.UnitScopedAdminMixin`` and
``units.resources.LedgerResource``.
"""

from django.db.models import QuerySet

from .models import Unit


def sees_all_units(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("units.access_all_units"))


def units_of(user) -> QuerySet:
    if sees_all_units(user):
        return Unit.objects.all()
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(members=user)


def scope_queryset(queryset: QuerySet, user, unit_path: str) -> QuerySet:
    """Rows of ``queryset`` whose unit (reached through ``unit_path``) the user may touch."""
    if sees_all_units(user):
        return queryset
    return queryset.filter(**{f"{unit_path}__in": units_of(user).values("pk")})


def may_touch_unit(user, unit_id) -> bool:
    return sees_all_units(user) or units_of(user).filter(pk=unit_id).exists()
