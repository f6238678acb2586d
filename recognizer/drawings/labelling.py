"""Every write to a label: the drawer's answer, a reviewer's, its score, and the trail."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ml.label_quality import label_check
from recognizer.core import access
from recognizer.core.errors import DomainError
from recognizer.core.owners import Owner
from recognizer.models import Drawing, LabelChange, label_name

ERROR_FEEDBACK_GIVEN = "This drawing already has a label; only a reviewer can change it."
ERROR_FEEDBACK_FINAL = (
    "Your answer for this drawing was already changed once; only a reviewer can change it now."
)
LABEL_SCORE_REASON = "{version} read {answer} ({probability:.1%}); the label says {label}."
# What setting a label writes on the drawing.
LABEL_FIELDS = [
    "label",
    "label_source",
    "labelled_by",
    "labelled_at",
    "drawer_label",
    "label_score",
    "label_score_reason",
    "needs_second_opinion",
]


class FeedbackAlreadyGivenError(DomainError):
    code = "already_labelled"


def drawing_give_feedback(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Let the person who drew it say which digit it is, and change their answer once."""
    with transaction.atomic():
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        if locked.label is not None:
            _check_feedback_changeable(locked)
        label_set(locked, label, source=Drawing.LabelSource.FEEDBACK, by=owner.db_user)
    return locked


def _check_feedback_changeable(drawing: Drawing) -> None:
    """Allow one change of one's own answer, shortly after giving it; refuse anything else."""
    if drawing.label_source != Drawing.LabelSource.FEEDBACK:
        raise FeedbackAlreadyGivenError(ERROR_FEEDBACK_GIVEN)
    window = dt.timedelta(seconds=settings.FEEDBACK_CHANGE_SECONDS)
    changes = drawing.label_changes.count()
    if changes > 1 or timezone.now() - drawing.labelled_at > window:
        raise FeedbackAlreadyGivenError(ERROR_FEEDBACK_FINAL)


def drawing_relabel(*, drawing: Drawing, label: int, reviewer: AbstractBaseUser) -> Drawing:
    """Set a drawing's label as a reviewer, keeping the earlier one in the audit trail.

    A label that disagrees with both the drawer's answer and the model waits for a second
    reviewer to agree before it trains (SECOND_OPINION).
    """
    access.require(reviewer, access.RELABEL)
    with transaction.atomic():
        # The row lock orders concurrent relabels: each sees the label the last one set.
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        second = settings.SECOND_OPINION and not _seconded(locked, label, reviewer)
        locked.needs_second_opinion = second
        label_set(locked, label, source=Drawing.LabelSource.REVIEW, by=reviewer)
    return locked


def _seconded(drawing: Drawing, label: int, reviewer: AbstractBaseUser) -> bool:
    """Return whether someone besides `reviewer` stands by `label`: drawer, model or reviewer."""
    if drawing.drawer_label is None or label in (drawing.drawer_label, drawing.prediction.answer):
        return True
    others = drawing.label_changes.filter(source=Drawing.LabelSource.REVIEW, new_label=label)
    return others.exclude(changed_by=reviewer).exists()


def label_set(drawing: Drawing, label: int, *, source: str, by) -> None:
    """Set the label, score it against the drawing's reading, and record the change."""
    change = LabelChange(
        drawing=drawing, old_label=drawing.label, new_label=label, source=source, changed_by=by
    )
    change.full_clean(validate_constraints=False)
    drawing.label, drawing.label_source, drawing.labelled_by = label, source, by
    drawing.labelled_at = timezone.now()
    if source != Drawing.LabelSource.REVIEW:
        drawing.drawer_label = label
    prediction = drawing.prediction
    drawing.label_score, drawing.label_score_reason = label_score(
        prediction.probabilities, prediction.not_digit_probability, label, prediction.model_version
    )
    drawing.full_clean(validate_constraints=False)
    drawing.save(update_fields=LABEL_FIELDS)
    change.save()


def label_score(probabilities, not_digit: float, label: int, version: str) -> tuple[float, str]:
    """Score how likely `label` is wrong from a reading that never trained on it, and say why.

    The reading stored with a drawing is one: the model that made it was trained before
    the drawing existed.
    """
    check = label_check(probabilities, not_digit, label)
    reason = LABEL_SCORE_REASON.format(
        version=version,
        answer=label_name(check.read_as),
        probability=check.read_probability,
        label=label_name(label),
    )
    return round(check.score, 6), reason


def drawing_label_scores_update(*, scores: dict[int, tuple[int, float, str]]) -> int:
    """Store fresh label scores ({id: (label scored, score, reason)}); return how many stuck.

    A label changed since it was scored keeps the score its change gave it.
    """
    updated = 0
    with transaction.atomic():
        for pk, (label, score, reason) in scores.items():
            rows = Drawing.objects.filter(pk=pk, label=label)
            updated += rows.update(label_score=score, label_score_reason=reason)
    return updated


def drawing_set_excluded(*, drawing: Drawing, excluded: bool, by: AbstractBaseUser) -> Drawing:
    """Keep a drawing (a scribble, a non-digit) out of training, or let it back in."""
    access.require(by, access.EXCLUDE)
    drawing.excluded_from_training = excluded
    drawing.save(update_fields=["excluded_from_training"])
    return drawing


def drawing_set_label(*, drawing: Drawing, label: int, owner: Owner) -> Drawing:
    """Reviewers relabel any time; the person who drew it gives feedback; nobody else."""
    user = owner.db_user
    if access.can(user, access.RELABEL):
        return drawing_relabel(drawing=drawing, label=label, reviewer=user)
    if not owner.owns(drawing):
        access.require(user, access.RELABEL)
    return drawing_give_feedback(drawing=drawing, label=label, owner=owner)
