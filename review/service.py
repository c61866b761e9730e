"""Review before publishing: a unit editor's change to anything public waits for the office.

The rules, in one place, for every door (admin form, inline rows, import):

* who publishes directly: superusers and the roles in
  ``settings.REVIEW_DIRECT_PUBLISH_ROLES`` (default: the office administrator);
* anyone else's new record is saved as 待审核 (hidden from every public page,
  the open data and the workbook) with a ``ReviewRequest``;
* anyone else's change of an approved record is not saved: the proposed values
  wait in a ``ReviewRequest`` (a new photo in a private ``review/`` folder), and
  the public keeps seeing the approved values;
* the office approves (the record becomes public, or the change is applied) or
  sends back with a comment the editor sees; nobody decides their own
  submission, a decision is made once, and each decision leaves one audit entry.

Public pages are invalidated by the save that approval makes, never by a
submission (``ReviewedModel.affects_public_pages``).
"""

import hashlib
import json
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.records import Action, record
from notifications.models import Kind as NotificationKind
from notifications.services import Recipient, notify
from units.roles import OFFICE_ADMIN
from units.scoping import may_touch_unit, owning_unit_id, sees_all_units

from .models import ReviewedModel, ReviewRequest, ReviewStatus

Kind = ReviewRequest.Kind
CHANGE_KINDS = (Kind.CHANGE, Kind.PHOTO)
REVIEW_FOLDER = "review/"
_DIRECT_ATTRIBUTE = "_portal_publishes_directly"


class ReviewError(Exception):
    """A decision that cannot be made; the message is for the person deciding."""


def direct_publish_roles() -> list[str]:
    return list(getattr(settings, "REVIEW_DIRECT_PUBLISH_ROLES", [OFFICE_ADMIN]))


def publishes_directly(user) -> bool:
    """Whether ``user``'s changes are public without review (remembered for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return user is None  # code without a user (commands, demo data) writes directly
    if not user.is_active:
        return False
    cached = getattr(user, _DIRECT_ATTRIBUTE, None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name__in=direct_publish_roles()).exists()
        setattr(user, _DIRECT_ATTRIBUTE, cached)
    return cached


def is_reviewed(model_or_obj) -> bool:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return issubclass(model, ReviewedModel)


def may_decide(user, review: ReviewRequest) -> bool:
    """The office decides, for units it may touch; never on one's own submission."""
    return (
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm("review.decide_reviewrequest")
        and review.submitted_by_id != user.pk
        and may_touch_unit(user, review.unit_id)
    )


# Submitting ---------------------------------------------------------------------


def _target_reference(obj) -> dict:
    return {
        "content_type": ContentType.objects.get_for_model(obj, for_concrete_model=False),
        "object_id": obj.pk,
    }


def open_requests(obj):
    return ReviewRequest.objects.pending().filter(**_target_reference(obj))


def save_new(obj, user, kind=Kind.NEW, save=None) -> ReviewRequest | None:
    """Save a new or not yet approved record; pending (with a request) unless ``user`` publishes directly.

    ``save`` saves the record (default ``obj.save()``), e.g. the admin's ``save_model``.
    """
    save = save or obj.save
    if publishes_directly(user):
        save()
        return None
    was_returned = obj.review_status == ReviewStatus.RETURNED
    obj.review_status = ReviewStatus.PENDING
    save()
    existing = open_requests(obj).first()
    if existing is not None and not was_returned:
        # Still waiting: the editor improved it before the decision (perhaps moving it to
        # another of their units, whose queue it then belongs to).
        existing.unit_id, existing.summary = owning_unit_id(obj), str(obj)[:200]
        existing.save(update_fields=["unit", "summary"])
        return existing
    return _create_request(obj, user, kind)


def _create_request(obj, user, kind, proposed=None, proposed_file="") -> ReviewRequest:
    unit_id = owning_unit_id(obj)
    return ReviewRequest.objects.create(
        **_target_reference(obj),
        unit_id=unit_id,
        kind=kind,
        summary=str(obj)[:200],
        proposed=proposed or {},
        proposed_file=proposed_file,
        submitted_by=user if getattr(user, "pk", None) else None,
    )


def _file_fields(model) -> set[str]:
    return {field.name for field in model._meta.concrete_fields if isinstance(field, models.FileField)}


def proposed_values(obj, field_names) -> dict:
    """The in-memory values of ``field_names`` on ``obj``, as JSON text (files excluded)."""
    values = {}
    for name in field_names:
        field = obj._meta.get_field(name)
        if not getattr(field, "concrete", False) or isinstance(field, models.FileField) or not field.editable:
            continue
        value = field.value_from_object(obj)
        values[field.name] = None if value is None else field.value_to_string(obj)
    return values


def submit_change(obj, user, changed_fields) -> ReviewRequest | None:
    """Keep a change of the approved ``obj`` for review instead of saving it.

    ``obj`` carries the proposed values in memory (e.g. from an admin form); the
    database row is untouched. A new photo is stored privately until approved.
    The submitter's change still waiting for this record is replaced (the form showed
    it to them, ``show_submission``), never left beside the new one. Returns None when
    nothing reviewable changed (a waiting change is then withdrawn).
    """
    replaced = list(_own_changes(obj, user).filter(status=ReviewStatus.PENDING))
    waiting_files = {review.proposed_file for review in replaced if review.proposed_file}
    changed_fields = [name for name in changed_fields if _is_model_field(obj, name)]
    proposed = proposed_values(obj, changed_fields)
    proposed_file = ""
    file_changes = [name for name in changed_fields if name in _file_fields(type(obj))]
    for name in file_changes[:1]:  # the ledgers carry one photo per record
        upload = getattr(obj, name)
        if upload and not upload._committed:
            proposed_file = _store_privately(upload)
            proposed[name] = proposed_file
        elif upload and upload.name in waiting_files:
            proposed_file = proposed[name] = upload.name  # the waiting photo, kept as it is
        elif not upload:
            proposed[name] = ""  # the photo is to be removed
    with transaction.atomic():
        for review in replaced:
            if review.proposed_file and review.proposed_file != proposed_file:
                name = review.proposed_file
                transaction.on_commit(lambda name=name: default_storage.delete(name))
            review.delete()
        if not proposed:
            return None
        kind = Kind.PHOTO if file_changes and len(proposed) == 1 else Kind.CHANGE
        return _create_request(obj, user, kind, proposed=proposed, proposed_file=proposed_file)


def _own_changes(obj, user):
    if not getattr(user, "pk", None) or obj.pk is None:
        return ReviewRequest.objects.none()
    return ReviewRequest.objects.filter(**_target_reference(obj), submitted_by=user, kind__in=CHANGE_KINDS)


def own_submissions_for(obj, user, children=()) -> dict:
    """``user``'s changes of ``obj`` and of its ``children`` (QuerySets of rows it owns) that are
    still theirs to mind, waiting or sent back and not submitted again, in one query:
    {(content type id, object id): submission}."""
    if not getattr(user, "pk", None) or obj.pk is None:
        return {}
    query = models.Q(**_target_reference(obj))
    for rows in children:
        content_type = ContentType.objects.get_for_model(rows.model, for_concrete_model=False)
        query |= models.Q(content_type=content_type, object_id__in=rows.values("pk"))
    latest = {}
    submissions = ReviewRequest.objects.filter(query, submitted_by=user, kind__in=CHANGE_KINDS)
    for submission in submissions.order_by("submitted_at", "pk"):
        latest[(submission.content_type_id, submission.object_id)] = submission
    return {key: review for key, review in latest.items() if review.status != ReviewStatus.APPROVED}


def show_submission(obj, submissions: dict) -> ReviewRequest | None:
    """Put the editor's own waiting or sent-back change of ``obj`` (from ``own_submissions_for``)
    onto ``obj`` in memory, so their form shows what they submitted rather than the approved
    values; returns it. A sent-back photo was deleted with the decision: the approved one shows.
    """
    if not is_reviewed(obj) or not obj.is_approved:
        return None
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    submission = submissions.get((content_type.pk, obj.pk))
    if submission is None:
        return None
    file_fields = _file_fields(type(obj))
    for name, value in submission.proposed.items():
        if not _is_model_field(obj, name):
            continue  # a field removed since the submission
        field = obj._meta.get_field(name)
        if name in file_fields:
            if not value or (submission.status == ReviewStatus.PENDING and value == submission.proposed_file):
                setattr(obj, field.attname, value)
            continue
        try:
            setattr(obj, field.attname, None if value is None else field.to_python(value))
        except ValidationError:
            continue  # a value the field no longer accepts: the approved one shows
    return submission


def _is_model_field(obj, name) -> bool:
    try:
        obj._meta.get_field(name)
    except Exception:
        return False
    return True


def _store_privately(upload) -> str:
    content = upload.file
    content.seek(0)
    suffix = PurePosixPath(upload.name or "").suffix.lower() or ".jpg"
    name = f"{REVIEW_FOLDER}{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    return default_storage.save(name, content)


def changed_from_database(obj, field_names=None) -> list[str]:
    """Fields whose in-memory value differs from the stored row.

    What a change proposes is measured against the approved row, not against the form's
    initial values: the form may show the editor's own waiting submission.
    """
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    if stored is None:
        return []
    names = field_names or [field.name for field in obj._meta.concrete_fields if field.editable]
    changed = []
    for name in names:
        field = obj._meta.get_field(name)
        if field.primary_key or not field.editable:
            continue
        value = field.value_from_object(obj)
        if isinstance(field, models.FileField) and value and not value._committed:
            changed.append(name)  # a new upload, even one named like the stored file
        elif value != field.value_from_object(stored):
            changed.append(name)
    return changed


def save_change(obj, user, changed_fields, save=None) -> ReviewRequest | None:
    """Save ``obj`` changed by ``user`` through any door, following the review rules."""
    save = save or obj.save
    if publishes_directly(user) or not is_reviewed(obj):
        save()
        return None
    if obj.review_status != ReviewStatus.APPROVED:
        return save_new(obj, user, kind=_kind_of_first_request(obj), save=save)
    return submit_change(obj, user, changed_fields)


def _kind_of_first_request(obj):
    first = ReviewRequest.objects.filter(**_target_reference(obj)).order_by("pk").first()
    return first.kind if first is not None and first.kind in (Kind.NEW, Kind.UPDATE) else Kind.NEW


# Deciding -------------------------------------------------------------------------


def _locked(review: ReviewRequest) -> ReviewRequest:
    current = ReviewRequest.objects.select_for_update().filter(pk=review.pk).first()
    if current is None:
        raise ReviewError(_("This submission no longer exists: its editor replaced or withdrew it."))
    if current.status != ReviewStatus.PENDING:
        raise ReviewError(_("This submission has already been decided."))
    return current


def _target(review: ReviewRequest):
    model = review.content_type.model_class()
    obj = model._default_manager.select_for_update().filter(pk=review.object_id).first() if model else None
    if obj is None:
        raise ReviewError(_("The record of this submission no longer exists."))
    return obj


def fingerprint(obj) -> str:
    """What the office saw of a record when it opened the submission (its editable values):
    an editor may still improve a pending record, and the office approves only what it saw."""
    values = [
        [field.name, field.value_to_string(obj)]
        for field in obj._meta.concrete_fields
        if field.editable and not field.primary_key
    ]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()


def approve(review: ReviewRequest, user, *, seen: str, request=None) -> ReviewRequest:
    """Publish the record, or apply the proposed change; one audit entry.

    ``seen``: the record's ``fingerprint`` as the office's page showed it. Without it, or
    with the record changed since, nothing is approved (the page shows the record again):
    an approval always names what was looked at.
    """
    with transaction.atomic():
        review = _locked(review)
        if not may_decide(user, review):
            raise ReviewError(_("You may not decide this submission."))
        obj = _target(review)
        if not seen:
            raise ReviewError(_("Open the submission and check the record before approving it."))
        if seen != fingerprint(obj):
            raise ReviewError(
                _("The record was changed after you opened this submission: check it again before deciding.")
            )
        if review.kind in (Kind.NEW, Kind.UPDATE):
            obj.review_status = ReviewStatus.APPROVED
            obj.save()
        else:
            _apply(obj, review)
        _decided(review, ReviewStatus.APPROVED, user, obj, request)
    return review


def _apply(obj, review: ReviewRequest) -> None:
    file_fields = _file_fields(type(obj))
    for name, value in review.proposed.items():
        field = obj._meta.get_field(name)
        if name in file_fields:
            _apply_file(obj, field, value)
        else:
            setattr(obj, field.attname, None if value is None else field.to_python(value))
    try:
        obj.full_clean(exclude=sorted(file_fields))
    except ValidationError as error:
        raise ReviewError(
            _("The change can no longer be applied: %(problem)s") % {"problem": "; ".join(error.messages)}
        ) from None
    obj.save()


def _apply_file(obj, field, name: str) -> None:
    if not name:
        setattr(obj, field.attname, "")
        return
    try:
        with default_storage.open(name, "rb") as stored:
            getattr(obj, field.attname).save(PurePosixPath(name).name, stored, save=False)
    except FileNotFoundError:
        raise ReviewError(_("The proposed photo is missing; send the change back.")) from None
    transaction.on_commit(lambda: default_storage.delete(name))


def _decided(review: ReviewRequest, status, user, obj, request) -> None:
    """Close the submission with the office's decision and leave its one audit entry."""
    review.status = status
    review.decided_by = user
    review.decided_at = timezone.now()
    review.save()
    approved = status == ReviewStatus.APPROVED
    record(
        Action.APPROVAL if approved else Action.SEND_BACK,
        user=user,
        request=request,
        obj=obj,
        details={
            "submission": review.pk,
            "kind": review.kind,
            "decision": "approved" if approved else "sent_back",
        },
    )
    _tell_submitter(review)


def _tell_submitter(review: ReviewRequest) -> None:
    """The editor learns the office's decision (and its comment) without opening the admin."""
    editor = review.submitted_by
    if editor is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {"record": review.summary, "kind": review.get_kind_display(), "comment": review.comment}
        if review.status == ReviewStatus.APPROVED:
            subject = _("Approved: “%(record)s”") % values
            body = _("The office approved your submission (%(kind)s) “%(record)s”.") % values
        else:
            subject = _("Sent back: “%(record)s”") % values
            body = (
                _(
                    "The office sent your submission (%(kind)s) “%(record)s” back:\n\n%(comment)s\n\n"
                    "Open the record in the admin (我的提交 lists it): the form shows what you submitted; "
                    "correct it and save to submit it again."
                )
                % values
            )
    notify(NotificationKind.REVIEW_DECIDED, Recipient.of_user(editor), subject, body)


def send_back(review: ReviewRequest, user, comment: str, request=None) -> ReviewRequest:
    """Return the submission to its editor with a comment; nothing becomes public."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(_("Say what should change: a comment is required to send a submission back."))
    with transaction.atomic():
        review = _locked(review)
        if not may_decide(user, review):
            raise ReviewError(_("You may not decide this submission."))
        obj = _target(review)
        if review.kind in (Kind.NEW, Kind.UPDATE):
            obj.review_status = ReviewStatus.RETURNED
            obj.save()
        elif review.proposed_file:
            name = review.proposed_file
            transaction.on_commit(lambda: default_storage.delete(name))
        review.comment = comment
        _decided(review, ReviewStatus.RETURNED, user, obj, request)
    return review


def withdraw(obj) -> None:
    """The record is deleted: its open submissions go with it (their private photos once committed)."""
    for review in open_requests(obj):
        if review.proposed_file:
            name = review.proposed_file
            transaction.on_commit(lambda name=name: default_storage.delete(name))
        review.delete()


def forget_deleted(sender, instance, **kwargs) -> None:
    """post_delete of every reviewed model: a deleted record (a bulk delete or a cascade
    included) leaves nothing waiting in the queue."""
    withdraw(instance)


def latest_request(obj) -> ReviewRequest | None:
    """The latest submission for ``obj`` (sent back: its comment is what the editor must read)."""
    return ReviewRequest.objects.filter(**_target_reference(obj)).order_by("-submitted_at", "-pk").first()


def review_state(obj, children=()) -> tuple[ReviewRequest | None, list[ReviewRequest]]:
    """(the latest submission of ``obj``, the submissions of ``obj`` and of its ``children``
    (QuerySets of rows it owns) that were sent back and not submitted again since: what the
    editor must read), in one query."""
    reference = _target_reference(obj)
    query = models.Q(**reference)
    for rows in children:
        content_type = ContentType.objects.get_for_model(rows.model, for_concrete_model=False)
        query |= models.Q(content_type=content_type, object_id__in=rows.values("pk"))
    latest = {}
    for review in ReviewRequest.objects.filter(query).order_by("submitted_at", "pk"):
        latest[(review.content_type_id, review.object_id)] = review
    own = latest.get((reference["content_type"].pk, obj.pk))
    return own, [review for review in latest.values() if review.status == ReviewStatus.RETURNED]


# What each person has to do ---------------------------------------------------------------


def own_submissions(user):
    """``user``'s submissions, newest first, each marked ``superseded`` when a later one of theirs
    for the same record exists (a sent-back submission submitted again needs nothing more)."""
    later = ReviewRequest.objects.filter(
        content_type=models.OuterRef("content_type"),
        object_id=models.OuterRef("object_id"),
        submitted_by=user,
        submitted_at__gt=models.OuterRef("submitted_at"),
    )
    return (
        ReviewRequest.objects.filter(submitted_by=user)
        .annotate(superseded=models.Exists(later))
        .select_related("unit", "content_type")
        .order_by("-submitted_at", "-pk")
    )


def work_of(user) -> dict:
    """The counts on a staff member's admin home: their submissions waiting and sent back (not
    submitted again), and, for whoever decides, the queue they may decide (how many, oldest)."""
    mine = own_submissions(user)
    work = {
        "pending": mine.filter(status=ReviewStatus.PENDING).count(),
        "returned": mine.filter(status=ReviewStatus.RETURNED, superseded=False).count(),
        "queue": None,
        "oldest": None,
    }
    if user.has_perm("review.decide_reviewrequest"):
        queue = ReviewRequest.objects.pending().for_user(user).exclude(submitted_by=user)
        summary = queue.aggregate(count=models.Count("pk"), oldest=models.Min("submitted_at"))
        work["queue"], work["oldest"] = summary["count"], summary["oldest"]
    return work


# The private photo of a proposed change ---------------------------------------------


def serve_proposed_file(request, name):
    """``/media/review/…``: only to staff who may see the submission's unit."""
    review = ReviewRequest.objects.filter(proposed_file=name).first()
    user = request.user
    if (
        review is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_staff
        or not (sees_all_units(user) or may_touch_unit(user, review.unit_id))
    ):
        raise Http404
    try:
        response = FileResponse(default_storage.open(name, "rb"))
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, no-store"
    return response
