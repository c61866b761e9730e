"""Admin for units, and the admin building blocks every ledger reuses.

* ``UnitScopedAdminMixin``: lists, forms, object URLs, imports and exports of a
  unit-owned model are limited to the user's units.
* ``LockVersionForm``: refuses a save built from an outdated version of a row.
* (A ledger's import and export, and the import jobs' pages, are the ``imports`` app's.)
* ``LookupGuardMixin`` (``units.admin_guard``; the portal's admin site gives it to every
  ModelAdmin): a hand-edited, impossible filter in a list URL gets the unfiltered list
  with a message instead of a server error.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import signals
from .admin_guard import LookupGuardMixin
from .history import RecordHistoryMixin
from .models import Unit
from .scoping import may_touch, scope_queryset, sees_all_units, unit_path_of, units_of


class ReadOnlyAdminMixin:
    """Rows the portal writes itself (audit entries, import jobs, review submissions): listed
    and read in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UnitScopedAdminMixin(LookupGuardMixin, RecordHistoryMixin):
    """Limit a ModelAdmin to the rows of the user's units.

    The lookup from the model to its ``Unit`` is the one its QuerySet declares
    (``units.scoping.UnitScopedQuerySet.unit_path``). Foreign keys to units, and
    to other unit-owned models, only offer what the user may touch, so a forged
    POST fails validation. A restore from history touches only the record and
    stays within the user's units (see ``units.history``).
    """

    @property
    def unit_path(self) -> str:
        return unit_path_of(self.model) or "unit"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, self.unit_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or sees_all_units(request.user):
            return field
        related = db_field.related_model
        if related is Unit:
            field.queryset = units_of(request.user)
        elif unit_path_of(related):
            field.queryset = scope_queryset(field.queryset, request.user, unit_path_of(related))
        return field

    def _in_scope(self, request, obj) -> bool:
        return obj is None or may_touch(request.user, obj, self.unit_path)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def changelist_view(self, request, extra_context=None):
        # django-reversion's list template offers "recover deleted" on this flag;
        # recovery is only for those who see every unit (see recoverlist_view).
        if not sees_all_units(request.user):
            extra_context = {**(extra_context or {}), "has_change_permission": False}
        return super().changelist_view(request, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not sees_all_units(request.user):
            raise PermissionDenied  # deleted rows of every unit would be listed
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not sees_all_units(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)


class LockVersionForm(forms.ModelForm):
    """Carries the row's version; a save built from an outdated version is refused."""

    lock_version = forms.IntegerField(label=_("version"), widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Locks the row until the admin's transaction ends (PostgreSQL), so two
            # saves cannot both pass this check.
            current = (
                type(self.instance)
                ._default_manager.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("lock_version") != current:
                raise ValidationError(
                    _(
                        "Someone else saved this record while you were editing it, so your "
                        "changes were not saved. Your entries are kept below: copy what you "
                        "need, reload the page to see the current version, and save again."
                    ),
                    code="stale_version",
                )
        return cleaned


class LockVersionAdminMixin:
    """Uses a ``LockVersionForm`` and makes sure its hidden version is on the page.

    The admin renders only the fields named in ``fieldsets``, so the version is
    added there; without it every save would be refused as outdated.
    """

    form = LockVersionForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or "lock_version" in flatten_fieldsets(fieldsets):
            return fieldsets
        if not self.has_change_permission(request, obj):
            return fieldsets  # a reader saves nothing: no version to carry
        return [*fieldsets, (None, {"fields": ["lock_version"], "classes": ["hidden"]})]


class UnitMembershipInline(admin.TabularInline):
    model = Unit.members.through
    extra = 0
    verbose_name = _("unit membership")
    verbose_name_plural = _("unit memberships")
    autocomplete_fields = ["unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The automatic through model's field has no translatable name of its own.
        if db_field.name == "unit":
            kwargs["label"] = _("unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


DEFAULT_PERMISSION_WORDS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """A permission in the admin's language: Django stores its name in English when it is made."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    app_name = gettext(str(model._meta.app_config.verbose_name))
    model_name = gettext(str(model._meta.verbose_name))
    action = permission.codename.removesuffix(f"_{model._meta.model_name}")
    if action in DEFAULT_PERMISSION_WORDS and permission.codename == f"{action}_{model._meta.model_name}":
        name = DEFAULT_PERMISSION_WORDS[action] % {"model": model_name}
    else:
        name = gettext(permission.name)
    return f"{app_name} | {model_name} | {name}"


class ChinesePermissionsMixin:
    """The permission pickers of the user and group pages list permissions in Chinese, and only
    those of records the admin has pages for (a permission on a second-factor device or a task
    row would grant nothing the office can use, and read as English)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            with_pages = ContentType.objects.get_for_models(
                *self.admin_site._registry, for_concrete_models=False
            )
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                content_type__in=with_pages.values()
            ).select_related("content_type")
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class PortalGroupAdmin(ChinesePermissionsMixin, GroupAdmin):
    pass


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(ChinesePermissionsMixin, UserAdmin):
    inlines = [UnitMembershipInline]
    list_display = ["username", "last_name", "first_name", "is_staff", "unit_names"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "units"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def save_related(self, request, form, formsets, change):
        # The page's role change is one change (one audit entry), its units another.
        with signals.one_page_of_changes(type(self)):
            super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Unit.members.through:  # its rows send no signals of their own
            moved_from = [
                row_form.initial.get("unit")
                for row, _fields in formset.changed_objects
                for row_form in formset.initial_forms
                if row_form.instance.pk == row.pk
            ]
            signals.memberships_changed.send(
                type(self),
                user=form.instance,
                added=[str(row.unit) for row in formset.new_objects]
                + [str(row.unit) for row, _fields in formset.changed_objects],
                removed=[str(row.unit) for row in formset.deleted_objects]
                + [str(unit) for unit in Unit.objects.filter(pk__in=moved_from)],
            )

    @admin.display(description=_("their units"))
    def unit_names(self, user):
        return "、".join(unit.name for unit in user.units.all())
