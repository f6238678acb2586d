"""Shadows: a candidate reads the live drawings beside the serving model, in a worker.

Nothing happens on the request path: a worker reads, in batches, the drawings stored since
the candidate began to shadow (none of which it can have trained on), and stores its reading
of each. A candidate whose retrain asked for promotion is promoted once it is as good as the
serving model on LIVE_EVIDENCE_MIN labelled live drawings, and refused if it is worse.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ml.inference import SERVED_MODEL, Predictor
from ml.preprocessing import ModelInput
from ml.promotion import LiveEvidence
from ml.uncertainty import NOT_A_DIGIT_REASON
from recognizer.core import access
from recognizer.modelops import selectors
from recognizer.modelops.promotions import model_promote, model_version_store, version_local
from recognizer.models import NOT_A_DIGIT, Drawing, ModelPromotion, ModelVersion, ShadowReading
from recognizer.serving import versions

ERROR_NOT_STORED = "There is no version {version}, neither stored nor in this host's models folder."
ERROR_SERVING = "{version} is serving: a shadow reads beside the serving model, not as it."
_predictors: dict[str, Predictor] = {}  # per worker process, one per shadowing version


def model_shadow_start(*, version: str, by: AbstractBaseUser | None) -> ModelVersion:
    """Let `version` read every drawing stored from now on beside the serving model."""
    if by is not None:
        access.require(by, access.PROMOTE)
    stored = ModelVersion.objects.defer("archive").filter(name=version).first()
    folder = versions.models_folder() / version
    if stored is None and (folder / SERVED_MODEL).is_file():  # put there by an operator
        stored = model_version_store(folder=folder)
    if stored is None:
        raise ValueError(ERROR_NOT_STORED.format(version=version))
    if version == versions.serving_version_or_none():
        raise ValueError(ERROR_SERVING.format(version=version))
    if stored.shadow_since is None:
        stored.shadow_since = timezone.now()
        stored.save(update_fields=["shadow_since"])
    return stored


def model_shadow_stop(*, version: str, by: AbstractBaseUser | None) -> int:
    """Dismiss a shadow: it reads no more drawings (its readings so far stay)."""
    if by is not None:
        access.require(by, access.PROMOTE)
    return ModelVersion.objects.filter(name=version).update(shadow_since=None)


def shadow_read_pending(*, batch: int | None = None) -> int:
    """Read, with each shadowing version, a batch of the drawings it has not read yet."""
    batch = batch or settings.SHADOW_BATCH
    read = 0
    for version in ModelVersion.objects.filter(shadow_since__isnull=False).defer("archive"):
        pending = (
            Drawing.objects.filter(created_at__gte=version.shadow_since)
            .exclude(shadow_readings__version=version.name)
            .order_by("id")
            .values_list("id", "model_input")[:batch]
        )
        rows = list(pending)
        if rows:
            _shadow_store(version.name, rows)
            read += len(rows)
    return read


def _shadow_store(version: str, rows: list[tuple[int, bytes]]) -> None:
    predictor = _predictors.get(version)
    if predictor is None:
        folder = version_local(models_dir=versions.models_folder(), version=version)
        predictor = _predictors[version] = Predictor(folder)
    inputs = [ModelInput.from_bytes(bytes(model_input)) for _, model_input in rows]
    readings = predictor.predict_inputs(inputs)
    ShadowReading.objects.bulk_create(
        [
            ShadowReading(
                drawing_id=pk,
                version=version,
                digit=reading.digit,
                answer=_answer(reading),
                confidence=reading.confidence,
                uncertain=reading.uncertain,
            )
            for (pk, _), reading in zip(rows, readings, strict=True)
        ],
        ignore_conflicts=True,  # another worker read it too
    )


def _answer(reading) -> int:
    """Return a reading's answer as a label: its digit, or NOT_A_DIGIT."""
    return NOT_A_DIGIT if reading.uncertain_reason == NOT_A_DIGIT_REASON else reading.digit


def shadow_promote_ready() -> list[str]:
    """Judge each shadow awaiting promotion on live evidence, once there is enough of it."""
    judged = []
    serving = versions.serving_version_or_none()
    for version in ModelVersion.objects.filter(shadow_since__isnull=False).defer("archive"):
        if not version.report.get("awaiting_live") or serving is None:
            continue
        evidence = LiveEvidence(**selectors.model_live_evidence(version.name, serving))
        promote, reason = evidence.decision(settings.LIVE_EVIDENCE_MIN)
        if promote is None:
            continue
        report = {**version.report, "awaiting_live": False, "live": asdict(evidence)}
        if promote:  # first: if it fails, the version still awaits and is judged again
            model_promote(
                version=version.name, by=None, action=ModelPromotion.Action.RETRAIN, report=report
            )
        ModelVersion.objects.filter(pk=version.pk).update(report={**report, "reason": reason})
        selectors.retrain_job_for(version.name).update(message=reason)
        judged.append(version.name)
    return judged
