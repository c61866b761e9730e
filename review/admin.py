"""Review before publishing in the admin (the rules are in ``review.service``).

* ``ReviewedAdminMixin``: for the ModelAdmin of a ledger whose rows are public
  (``review.models.ReviewedModel``), and its reviewed inline rows. An editor's
  new row is pending; an editor's change of an approved row becomes a
  submission and is not saved; editors cannot delete an approved row or restore
  history (both would bypass review); the list and the form show the review
  state and the office's comment on a row sent back.
* ``ReviewRequestAdmin``: the office's queue, oldest first, with how long each
  item has waited and each unit's pending count; approve or send back (with a
  comment) on the item's page.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count, Exists, Min, OuterRef, Subquery
from django.forms.models import _get_foreign_key
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.admin import ReadOnlyAdminMixin
from units.scoping import scope_queryset

from . import service
from .models import ReviewRequest, ReviewStatus

Kind = ReviewRequest.Kind
MY_SUBMISSIONS_SHOWN = 200  # newest first: older decisions are in the record's history


class ReviewedAdminMixin:
    """Put the ModelAdmin's doors (form, inline rows, list actions, history) under review."""

    review_kind = Kind.NEW  # the kind of a new row of this admin's model
    inline_review_kind = Kind.UPDATE  # the kind of a new inline row

    def _direct(self, request) -> bool:
        return service.publishes_directly(request.user)

    # Lists: the review state, with the office's comment on what was sent back.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        opts = self.model._meta
        latest = ReviewRequest.objects.filter(
            content_type__app_label=opts.app_label,
            content_type__model=opts.model_name,
            object_id=OuterRef("pk"),
        ).order_by("-submitted_at", "-pk")
        queryset = queryset.annotate(
            review_latest_status=Subquery(latest.values("status")[:1]),
            review_latest_comment=Subquery(latest.values("comment")[:1]),
        )
        returned_children = pending_children = None
        for inline in self.inlines:
            if service.is_reviewed(inline.model):
                foreign_key = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
                rows = inline.model._default_manager.filter(**{foreign_key.name: OuterRef("pk")})
                returned = Exists(rows.filter(review_status=ReviewStatus.RETURNED))
                # A new row waiting, or a change of an approved row waiting.
                child_type = ContentType.objects.get_for_model(inline.model, for_concrete_model=False)
                changes = ReviewRequest.objects.pending().filter(
                    content_type=child_type,
                    object_id__in=inline.model._default_manager.filter(
                        **{foreign_key.name: OuterRef(OuterRef("pk"))}
                    ).values("pk"),
                )
                pending = Exists(rows.filter(review_status=ReviewStatus.PENDING)) | Exists(changes)
                returned_children = returned if returned_children is None else returned_children | returned
                pending_children = pending if pending_children is None else pending_children | pending
        if returned_children is not None:
            queryset = queryset.annotate(
                review_children_returned=returned_children, review_children_pending=pending_children
            )
        return queryset

    def get_list_display(self, request):
        # For those whose changes go to review; the office follows them in the queue.
        if self._direct(request):
            return super().get_list_display(request)
        return [*super().get_list_display(request), "review_state"]

    @admin.display(description=gettext_lazy("review"))
    def review_state(self, obj):
        state = self._own_review_state(obj)
        if getattr(obj, "review_children_pending", False):
            state = format_html(
                '{}<br><span class="review review-pending">{}</span>',
                state,
                _("A row (e.g. a progress update) waits for review"),
            )
        if getattr(obj, "review_children_returned", False):
            return format_html(
                '{}<br><span class="review review-returned">{}</span>',
                state,
                _("A row was sent back: open the record to read the comment"),
            )
        return state

    def _own_review_state(self, obj):
        latest = getattr(obj, "review_latest_status", None)
        comment = getattr(obj, "review_latest_comment", "") or ""
        if obj.review_status == ReviewStatus.PENDING:
            return format_html('<span class="review review-pending">{}</span>', ReviewStatus.PENDING.label)
        if obj.review_status == ReviewStatus.RETURNED:
            return format_html(
                '<span class="review review-returned">{}</span>: {}', ReviewStatus.RETURNED.label, comment
            )
        if latest == ReviewStatus.PENDING:
            return format_html('<span class="review review-pending">{}</span>', _("Change pending review"))
        if latest == ReviewStatus.RETURNED:
            return format_html(
                '<span class="review review-returned">{}</span>: {}', _("Change sent back"), comment
            )
        return ""  # approved, nothing waiting: the usual case says nothing

    # The form: an editor sees their own waiting or sent-back change, not the approved values.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        request._review_show_own = True
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and getattr(request, "_review_show_own", False) and not self._direct(request):
            # The record's and its rows' submissions at once: the rows' forms are built later.
            request._review_own = service.own_submissions_for(obj, request.user, self.reviewed_children(obj))
            _shown(request).append(service.show_submission(obj, request._review_own))
        return obj

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if obj is not None and service.is_reviewed(inline.model) and not self._direct(request):
                formset = _showing_own_submissions(formset, request)
            yield formset, inline

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            for formset in context.get("inline_admin_formsets", []):
                formset.formset.get_queryset()  # reads the rows, and with them their editor's submissions
            self._tell_review_state(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def reviewed_children(self, obj) -> list:
        """QuerySets of the reviewed inline rows of ``obj`` (their comments show on its page)."""
        children = []
        for inline in self.inlines:
            if service.is_reviewed(inline.model):
                foreign_key = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
                children.append(inline.model._default_manager.filter(**{foreign_key.name: obj}))
        return children

    def _tell_review_state(self, request, obj) -> None:
        latest, sent_back = service.review_state(obj, self.reviewed_children(obj))
        shown = [submission for submission in _shown(request) if submission is not None]
        for submission in shown:
            _tell_shown(request, submission)
        shown_ids = {submission.pk for submission in shown}
        for returned in sent_back:
            if returned.pk in shown_ids:
                continue
            messages.warning(
                request,
                _("Sent back by the office (%(kind)s, %(record)s): %(comment)s")
                % {
                    "kind": returned.get_kind_display(),
                    "record": returned.summary,
                    "comment": returned.comment,
                },
            )
        if obj.review_status == ReviewStatus.PENDING:
            messages.info(
                request, _("This record waits for the office's review; the public does not see it yet.")
            )
        elif latest is not None and latest.status == ReviewStatus.PENDING and latest.pk not in shown_ids:
            messages.info(
                request,
                _(
                    "A change of this record waits for the office's review; the public sees the approved version."
                ),
            )

    # Saving.
    def save_model(self, request, obj, form, change):
        def save():
            super(ReviewedAdminMixin, self).save_model(request, obj, form, change)

        if not change:
            submission = service.save_new(obj, request.user, kind=self.review_kind, save=save)
        else:
            # Measured against the approved row: the form may have shown the editor's own submission.
            changed = form.changed_data if self._direct(request) else service.changed_from_database(obj)
            submission = service.save_change(obj, request.user, changed, save=save)
        self._tell_submitted(request, submission)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # "…was changed successfully" would contradict "sent to the office for review".
        if getattr(request, "_review_submitted", False) and level == messages.SUCCESS:
            return
        super().message_user(request, message, level, *args, **kwargs)

    def _tell_submitted(self, request, submission) -> None:
        if submission is None:
            return
        request._review_submitted = True
        if submission.kind in (Kind.CHANGE, Kind.PHOTO):
            messages.warning(
                request,
                _(
                    "Your change of “%(record)s” was sent to the office for review; "
                    "the public sees the approved version until it is approved."
                )
                % {"record": submission.summary},
            )
        else:
            messages.warning(
                request,
                _("“%(record)s” was sent to the office for review; the public sees it once it is approved.")
                % {"record": submission.summary},
            )

    def prepare_inline_row(self, request, obj) -> None:
        """Set what the form does not (e.g. who recorded the row) before an inline row is saved."""

    def save_formset(self, request, form, formset, change):
        if not service.is_reviewed(formset.model):
            return super().save_formset(request, form, formset, change)
        direct = self._direct(request)
        formset.save(commit=False)
        for obj in formset.new_objects:
            self.prepare_inline_row(request, obj)
            self._tell_submitted(request, service.save_new(obj, request.user, kind=self.inline_review_kind))
        for obj, _changed in formset.changed_objects:
            self.prepare_inline_row(request, obj)
            changed = service.changed_from_database(obj)  # the row may have shown its editor's submission
            self._tell_submitted(request, service.save_change(obj, request.user, changed))
        for obj in formset.deleted_objects:
            if obj.is_approved and not direct:
                messages.error(
                    request,
                    _("“%(record)s” is approved and public; ask the office to remove it.") % {"record": obj},
                )
                continue
            obj.delete()  # its open submissions go with it (review.service.forget_deleted)
        formset.save_m2m()

    # Doors that would bypass review.
    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and obj.is_approved and not self._direct(request):
            return False
        return allowed

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._direct(request):
            actions.pop("delete_selected", None)
        return actions

    def may_restore(self, request, obj) -> bool:
        # A restore would publish without review.
        return self._direct(request) and super().may_restore(request, obj)

    def recover_view(self, request, version_id, extra_context=None):
        if not self._direct(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)


def _shown(request) -> list:
    """The submissions the change form shows its editor (the record's, then its rows')."""
    if not hasattr(request, "_review_shown"):
        request._review_shown = []
    return request._review_shown


def _showing_own_submissions(formset_class, request):
    """The inline formset whose rows show their editor's own waiting or sent-back change."""

    class ShowingOwnSubmissions(formset_class):
        def get_queryset(self):
            rows = super().get_queryset()
            if not getattr(self, "_own_submissions_shown", False):
                self._own_submissions_shown = True
                submissions = getattr(request, "_review_own", {})
                for row in rows:  # evaluated once: the forms are built from these instances
                    _shown(request).append(service.show_submission(row, submissions))
            return rows

    return ShowingOwnSubmissions


def _tell_shown(request, submission) -> None:
    """The banner over a form that shows the editor's own submission instead of the approved values."""
    since = formats.localize(timezone.localtime(submission.submitted_at))
    if submission.status == ReviewStatus.PENDING:
        messages.info(
            request,
            _(
                "Your change of “%(record)s” has waited for the office's review since %(since)s. "
                "The form shows your change; saving replaces it. The public sees the approved version."
            )
            % {"record": submission.summary, "since": since},
        )
    else:
        decided = formats.localize(timezone.localtime(submission.decided_at or submission.submitted_at))
        messages.warning(
            request,
            _(
                "The office sent your change of “%(record)s” back on %(decided)s: %(comment)s "
                "The form shows your change; correct it and save to submit it again."
            )
            % {"record": submission.summary, "decided": decided, "comment": submission.comment},
        )


def _display(obj, field, value):
    """A stored value as a person reads it."""
    if value in (None, ""):
        return "—"
    if isinstance(field, models.FileField):
        # Shown where the decision is made: a photo is judged by looking at it.
        url = default_storage.url(value)
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" class="review-photo"></a>', url, url, _("photo")
        )
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def describe_change(review: ReviewRequest) -> list[tuple]:
    """(field, approved value, proposed value) for a change of an approved record."""
    obj = review.target
    if obj is None:
        return []
    rows = []
    for name, proposed in review.proposed.items():
        field = obj._meta.get_field(name)
        current = field.value_from_object(obj)
        current = getattr(current, "name", current) if isinstance(field, models.FileField) else current
        shown = (
            proposed if proposed is None or isinstance(field, models.FileField) else field.to_python(proposed)
        )
        rows.append((field.verbose_name, _display(obj, field, current), _display(obj, field, shown)))
    return rows


def describe_record(obj) -> list[tuple]:
    """(field, value) of a new record's editable fields."""
    rows = []
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        rows.append((field.verbose_name, _display(obj, field, value)))
    return rows


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The review queue: oldest first; the office decides on each item's page."""

    list_display = ["summary", "kind", "unit", "submitted_by", "submitted_at", "waited", "status"]
    list_filter = ["status", ("unit", admin.RelatedOnlyFieldListFilter), "kind"]
    list_select_related = ["unit", "submitted_by"]
    ordering = ["submitted_at", "pk"]
    search_fields = ["summary"]
    change_list_template = "admin/review/reviewrequest/change_list.html"
    decide_template = "admin/review/reviewrequest/decide.html"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, "unit")

    @admin.display(description=gettext_lazy("waited"), ordering="submitted_at")
    def waited(self, review):
        until = review.decided_at or timezone.now()
        return timesince(review.submitted_at, until)

    def get_urls(self):
        mine = path(
            "mine/", self.admin_site.admin_view(self.my_submissions_view), name="review_reviewrequest_mine"
        )
        return [mine, *super().get_urls()]

    def my_submissions_view(self, request):
        """我的提交: what the signed-in staff member submitted, sent back first (their work),
        then waiting, then decided; every staff member sees their own, and only those."""
        rows = list(service.own_submissions(request.user)[:MY_SUBMISSIONS_SHOWN])
        for row in rows:
            row.target_url = _admin_url(row.target)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("My submissions"),
            "returned": [row for row in rows if row.status == ReviewStatus.RETURNED and not row.superseded],
            "pending": [row for row in rows if row.status == ReviewStatus.PENDING],
            "decided": [
                row
                for row in rows
                if row.status == ReviewStatus.APPROVED
                or (row.status == ReviewStatus.RETURNED and row.superseded)
            ],
            "shown": MY_SUBMISSIONS_SHOWN,
        }
        return TemplateResponse(request, "admin/review/reviewrequest/mine.html", context)

    def changelist_view(self, request, extra_context=None):
        if not request.GET and request.method == "GET":
            return HttpResponseRedirect(f"{request.path}?status__exact={ReviewStatus.PENDING.value}")
        per_unit = (
            self.get_queryset(request)
            .pending()
            .values("unit__name")
            .annotate(count=Count("pk"), oldest=Min("submitted_at"))
            .order_by("oldest")
        )
        now = timezone.now()
        extra_context = {
            **(extra_context or {}),
            "units_pending": [
                {"unit": row["unit__name"], "count": row["count"], "waited": timesince(row["oldest"], now)}
                for row in per_unit
            ],
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, unquote(object_id))
        if review is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, review):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request, review)
        target = review.target
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(review),
            "review": review,
            "target": target,
            "target_url": _admin_url(target),
            "changes": describe_change(review) if review.kind in (Kind.CHANGE, Kind.PHOTO) else [],
            "record_fields": describe_record(target) if target is not None else [],
            "waited": self.waited(review),
            "seen": service.fingerprint(target) if target is not None else "",
            "may_decide": review.status == ReviewStatus.PENDING and service.may_decide(request.user, review),
            "own_submission": review.submitted_by_id == request.user.pk,
        }
        return TemplateResponse(request, self.decide_template, context)

    def _decide(self, request, review):
        if not service.may_decide(request.user, review):
            raise PermissionDenied
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                service.approve(review, request.user, seen=request.POST.get("seen", ""), request=request)
                target = review.target
                if target is not None:
                    target.refresh_from_db()  # as the approval left it
                if target is not None and target.is_shown_to_citizens:
                    message = _("Approved: “%(record)s” is public now.")
                else:
                    message = _(
                        "Approved: “%(record)s”. Citizens do not see it yet: it is not marked public, "
                        "or the project it belongs to is not public or not approved."
                    )
                messages.success(request, message % {"record": review.summary})
            elif decision == "send_back":
                service.send_back(review, request.user, request.POST.get("comment", ""), request=request)
                messages.success(
                    request,
                    _("Sent back: the editor sees your comment on “%(record)s”.")
                    % {"record": review.summary},
                )
            else:
                raise service.ReviewError(_("Choose whether to approve or to send back."))
        except service.ReviewError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)
        changelist = reverse("admin:review_reviewrequest_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{changelist}?status__exact={ReviewStatus.PENDING.value}")


def _admin_url(obj) -> str:
    if obj is None:
        return ""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        parent = getattr(obj, "review_parent", None)
        return _admin_url(parent) if parent is not None else ""
