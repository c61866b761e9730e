"""Unit scoping: the one place that decides whose rows a staff user may touch.

A unit-owned model declares, once, how its rows reach their unit: its QuerySet
subclasses ``UnitScopedQuerySet`` and sets ``unit_path`` ("unit",
"project__unit", …). Every door then asks the same question through these
functions: admin lists, forms, object URLs, history restore
(``units.admin.UnitScopedAdminMixin``), import and export
(``imports.resources.LedgerResource``) and uploaded media.

A user's units are looked up once and remembered on the user object, which
Django builds anew for every request: one query per request, not one per check.
"""

from django.db import models

from .models import Unit

_CACHE_ATTRIBUTE = "_portal_unit_ids"


def sees_all_units(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("units.access_all_units"))


def unit_ids_of(user) -> frozenset[int]:
    """Ids of the units whose rows ``user`` may touch (not meaningful for those who see all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(Unit.objects.filter(members=user).values_list("pk", flat=True))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_units(user) -> None:
    """Drop the remembered units, e.g. after changing the user's memberships in the same request."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def units_of(user) -> models.QuerySet:
    """The units ``user`` may touch, as a QuerySet (e.g. the choices of a unit field)."""
    if sees_all_units(user):
        return Unit.objects.all()
    return Unit.objects.filter(pk__in=unit_ids_of(user))


def may_touch_unit(user, unit_id) -> bool:
    return sees_all_units(user) or unit_id in unit_ids_of(user)


def scope_queryset(queryset: models.QuerySet, user, unit_path: str) -> models.QuerySet:
    """Rows of ``queryset`` whose unit (reached through ``unit_path``) the user may touch."""
    if sees_all_units(user):
        return queryset
    return queryset.filter(**{f"{unit_path}__in": unit_ids_of(user)})


def unit_path_of(model) -> str | None:
    """The lookup from ``model`` to its owning unit, as its QuerySet declares it (None: not unit-owned)."""
    return getattr(model._default_manager.get_queryset(), "unit_path", None)


def owning_unit_id(obj, unit_path: str | None = None):
    """The id of the unit that owns ``obj`` (None when it has none yet, e.g. a new row)."""
    unit_path = unit_path or unit_path_of(type(obj))
    *through, last = unit_path.split("__")
    for part in through:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def may_touch(user, obj, unit_path: str | None = None) -> bool:
    """Whether ``user`` may touch ``obj``, a row of a unit-owned model."""
    if sees_all_units(user):
        return True
    unit_id = owning_unit_id(obj, unit_path)
    return unit_id is None or unit_id in unit_ids_of(user)


class UnitScopedQuerySet(models.QuerySet):
    """Rows owned by a unit. Subclasses set ``unit_path``, the lookup to the owning ``Unit``."""

    unit_path = "unit"

    def for_user(self, user):
        """The rows ``user`` may touch: all for the office, their units' rows for a unit editor."""
        return scope_queryset(self, user, self.unit_path)
