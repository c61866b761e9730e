"""Who may change what in citizens' feedback, and the moderation decisions a change makes.

* A citizen's words (a suggestion's text, a rating's comment and answer) are never
  rewritten. The office may only hide personal data in them (a phone number typed into
  a comment): the data is replaced by ``REDACTION_MARK`` and the record is marked as
  redacted, which the public page says.
* Moderation (publish, hide, accept, decline with its public reason, merge, assign a
  unit) is the office's alone: the ``moderate_<model>`` permission, which only the
  office role holds.
* The rated unit's own staff may answer a rating publicly (``Rating.unit_reply``), shown
  under the comment as the unit's (so not the office, in the unit's name).

``SuggestionAdmin`` and ``RatingAdmin`` enforce this through
``suggestions.admin.FeedbackModerationMixin``; every decision is an audit entry.
"""

import json
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from reversion.models import Version

from .models import Rating, Suggestion, SuggestionStatus

REDACTION_MARK = "［已隐去］"


@dataclass(frozen=True)
class Policy:
    words: tuple[str, ...]  # the citizen's: only redacted, by the office
    redactable: tuple[str, ...]  # the words a public page shows, where personal data is hidden
    moderation: tuple[str, ...]  # the office's alone
    reply: tuple[str, ...] = ()  # the unit's public answer

    @property
    def watched(self) -> tuple[str, ...]:
        return (*self.words, *self.moderation, *self.reply)


POLICIES = {
    Suggestion: Policy(
        words=("what", "place", "why", "contact"),
        redactable=("what", "place", "why"),
        moderation=("status", "is_published", "public_reason", "unit_id", "merged_into_id", "redacted"),
    ),
    Rating: Policy(
        words=("satisfaction", "comment"),
        redactable=("comment",),
        moderation=("comment_approved", "redacted"),
        reply=("unit_reply",),
    ),
}


def policy_for(model) -> Policy:
    return POLICIES[model]


def snapshot(obj) -> dict:
    """The values the policy watches, to compare a change against."""
    return {name: getattr(obj, name) for name in policy_for(type(obj)).watched}


def stored_snapshot(obj) -> dict | None:
    """The watched values as the database holds them now (None: a new record)."""
    if obj.pk is None:
        return None
    names = policy_for(type(obj)).watched
    return type(obj)._default_manager.filter(pk=obj.pk).values(*names).first()


def redact(text: str, fragment: str) -> str:
    return text.replace(fragment, REDACTION_MARK)


def is_redaction_of(new: str, old: str) -> bool:
    """Whether ``new`` is ``old`` with some parts replaced by the mark, and nothing else changed."""
    if new == old:
        return True
    pieces = (new or "").split(REDACTION_MARK)
    if len(pieces) < 2:
        return False
    pattern = "(?:.+?)".join(re.escape(piece) for piece in pieces)
    return re.fullmatch(pattern, old or "", flags=re.DOTALL) is not None


def check_change(obj, before: dict | None, *, may_moderate: bool, may_reply: bool) -> list[str]:
    """Refuse (PermissionDenied) a change the user may not make; return the changed names.

    ``before`` None: a new record, whose text is what staff typed as received (a phone
    call), but whose moderation state still needs the office."""
    policy = policy_for(type(obj))
    after = snapshot(obj)
    if before is None:
        before = snapshot(type(obj)())
        changed = [name for name in (*policy.moderation, *policy.reply) if after[name] != before[name]]
    else:
        changed = [name for name in policy.watched if after[name] != before[name]]
    for name in changed:
        if name in policy.words and not (may_moderate and is_redaction_of(after[name], before[name])):
            raise PermissionDenied(f"{type(obj).__name__}.{name}: a citizen's words are not rewritten")
        if name in policy.moderation and not may_moderate:
            raise PermissionDenied(f"{type(obj).__name__}.{name}: moderation is the office's")
        if name in policy.reply and not may_reply:
            raise PermissionDenied(f"{type(obj).__name__}.{name}: the reply is the rated unit's")
    return changed


def decisions(obj, before: dict | None, changed: list[str]) -> list[dict]:
    """The moderation decisions a change made, as audit details (no citizen's words in them)."""
    policy = policy_for(type(obj))
    made = []
    if redacted := [name for name in changed if name in policy.words]:
        made.append({"decision": "redact", "fields": redacted})
    if isinstance(obj, Suggestion):
        if "is_published" in changed:
            made.append({"decision": "publish" if obj.is_published else "hide"})
        if "status" in changed:
            decision = {
                SuggestionStatus.ACCEPTED: "accept",
                SuggestionStatus.DECLINED: "decline",
                SuggestionStatus.MERGED: "merge",
                SuggestionStatus.CONVERTED: "convert",
            }.get(obj.status, "reopen")
            entry = {"decision": decision, "status": obj.status}
            if obj.status == SuggestionStatus.DECLINED:
                entry["reason"] = obj.public_reason[:500]
            if obj.status == SuggestionStatus.MERGED and obj.merged_into_id:
                entry["merged_into"] = obj.merged_into.reference
            if obj.status == SuggestionStatus.CONVERTED and obj.project_id:
                entry["project"] = obj.project_id
            made.append(entry)
        elif "public_reason" in changed:
            made.append({"decision": "reason", "reason": obj.public_reason[:500]})
        if "unit_id" in changed:
            made.append({"decision": "assign", "unit": str(obj.unit) if obj.unit_id else ""})
    if isinstance(obj, Rating):
        if "comment_approved" in changed:
            made.append({"decision": "publish" if obj.comment_approved else "hide"})
        if "unit_reply" in changed:
            made.append({"decision": "reply" if obj.unit_reply else "withdraw_reply"})
    return made


def scrub_history(obj, fragment: str) -> None:
    """Hide ``fragment`` in the stored versions of ``obj`` too (the record history is shown
    to the unit's staff): redacted personal data is gone everywhere."""
    names = policy_for(type(obj)).redactable
    for version in Version.objects.get_for_object(obj):
        if version.format != "json":
            continue
        data = json.loads(version.serialized_data)
        changed = False
        for entry in data:
            fields = entry.get("fields", {})
            for name in names:
                if isinstance(fields.get(name), str) and fragment in fields[name]:
                    fields[name] = redact(fields[name], fragment)
                    changed = True
        if changed:
            Version.objects.filter(pk=version.pk).update(serialized_data=json.dumps(data, ensure_ascii=False))
