"""Restoring a record from its history in the admin, one record at a time.

django-reversion reverts the whole revision a version belongs to: every row saved
in the same request (an office import saves its whole file in one), other units'
rows included, and it deletes whatever their ``follow`` reaches that the revision
lacks. Its URLs also accept a version of any model whose id happens to match.

Here a restore puts back only the record and the rows it owns (the reverse
foreign keys in its ``follow``: its inline rows), only from its own history, and
is kept only when the restored record is still one the user may open.
"""

from contextlib import nullcontext

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import _get_options, set_comment
from reversion.utils import mute_signals

from .models import LockVersionedModel
from .signals import record_restored


def owned_relations(model):
    """The reverse foreign keys in the model's ``follow``: rows that belong to it.

    Forward links in ``follow`` (a project's round, say) lead to rows shared with
    other records, which a restore of this one must not touch.
    """
    for name in _get_options(model).follow:
        relation = model._meta.get_field(name)
        if isinstance(relation, models.ManyToOneRel):
            yield relation


def _revert(version) -> None:
    """Put one row back as ``version`` holds it; a restore is never a review decision.

    A model names the fields a restore leaves as they are now in ``kept_on_restore``: a row
    reviewed before publishing (``review.models.ReviewedModel``) keeps its review state (a
    pending or sent-back row is not published by a restore); a row deleted since comes back
    in the state it had then.
    """
    row = version._object_version.object
    kept = list(getattr(row, "kept_on_restore", ()))
    if kept:
        current = type(row)._default_manager.using(version.db).filter(pk=row.pk).values(*kept).first()
        if current is not None:
            for name, value in current.items():
                setattr(row, name, value)
    version.revert()


def restore_version(version) -> models.Model:
    """Put the record of ``version`` back as it was then, with the rows it owned then.

    Rows it owns now that it did not own then are deleted. Returns the record.
    """
    record = version._object_version.object
    if isinstance(record, LockVersionedModel):
        # The lock version is not kept in history; moving it past the current one
        # makes forms opened before the restore outdated.
        current = (
            type(record)
            ._default_manager.using(version.db)
            .select_for_update()
            .filter(pk=record.pk)
            .values_list("version", flat=True)
            .first()
        )
        record.version = (current or 0) + 1
    _revert(version)
    for relation in owned_relations(type(record)):
        foreign_key = relation.field
        owner_value = getattr(record, foreign_key.target_field.attname)
        kept = []
        for row_version in version.revision.version_set.get_for_model(relation.related_model, version.db):
            row = row_version._object_version.object
            if getattr(row, foreign_key.attname) == owner_value:
                _revert(row_version)
                kept.append(row.pk)
        owned_now = relation.related_model._default_manager.using(version.db).filter(
            **{foreign_key.name: record}
        )
        owned_now.exclude(pk__in=kept).delete()
    return record


class _RollBack(Exception):
    def __init__(self, response):
        self.response = response


class RecordHistoryMixin:
    """For a ``VersionAdmin``: restore and recover only the record at hand.

    Replaces django-reversion's ``_reversion_revisionform_view``, which reverts
    the version's whole revision.
    """

    def may_restore(self, request, obj) -> bool:
        """Whether the user may put ``obj`` back to an earlier version: the one rule for the
        history page's links and the restore page itself (admins add conditions, e.g. review)."""
        return obj is not None and self.has_change_permission(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # The history is for reading to whoever may see the record; a version links to
        # its restore page only for someone who may restore, never to a page that answers 403.
        extra_context = {**(extra_context or {}), "may_restore": self.may_restore(request, obj)}
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Reversion keeps a revert when the change view answers with a redirect,
        # which it also does for a record the user may not open.
        if not self.may_restore(request, self.get_object(request, unquote(object_id))):
            raise PermissionDenied
        own_history = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        get_object_or_404(own_history, pk=version_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id)
        return super().recover_view(request, version_id, extra_context)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        if request.method == "GET":  # showing a version is undone right after: no signals
            signals = mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        else:
            signals = nullcontext()
        try:
            with transaction.atomic(using=version.db), signals:
                record = restore_version(version)
                if self.get_object(request, str(record.pk)) is None:
                    raise RevertError(
                        _(
                            "In this version the record belongs to a unit that is not one of yours, "
                            "so you cannot restore it. Ask the office to restore it."
                        )
                    )
                with self.create_revision(request):
                    response = self.changeform_view(
                        request, quote(str(record.pk)), request.path, extra_context
                    )
                    if request.method == "POST" and response.status_code == 302:
                        set_comment(
                            _("Reverted to previous version, saved on %(datetime)s")
                            % {"datetime": localize(template_localtime(version.revision.date_created))}
                        )
                    elif response.status_code == 200:
                        # The form with the restored values, or with its errors: nothing is kept.
                        response.template_name = template_name
                        response.render()
                        raise _RollBack(response)
                    else:
                        raise RevertError(
                            _("Could not load %(object_repr)s version - not found")
                            % {"object_repr": version.object_repr}
                        )
        except (RevertError, models.ProtectedError) as error:
            messages.error(request, str(error))
            opts = self.model._meta
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _RollBack as rollback:
            return rollback.response
        if request.method == "POST":
            record_restored.send(type(self), request=request, obj=record, version_id=version.pk)
        return response
