"""`GET /api/models/`: which versions exist, which serves, which shadow, and how each does live."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from recognizer.core import access
from recognizer.drawings.schema import errors
from recognizer.modelops import selectors
from recognizer.serving import versions

ERROR_MODELS = "Only reviewers, auditors and those who promote models can read this."


class CanReadModels(permissions.BasePermission):
    message = ERROR_MODELS

    def has_permission(self, request, view):
        return access.can(request.user, access.VIEW) or access.can(request.user, access.PROMOTE)


class PromotionSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="promoted_at")
    by = serializers.CharField(source="promoted_by", allow_null=True)
    action = serializers.CharField(help_text="retrain or manual (rollbacks are not listed).")


class OfflineSerializer(serializers.Serializer):
    test_accuracy = serializers.FloatField(allow_null=True, help_text="MNIST test set.")
    canvas_accuracy = serializers.FloatField(allow_null=True)
    digits_flagged = serializers.FloatField(allow_null=True)
    negatives_flagged = serializers.FloatField(allow_null=True)
    held_out_real_accuracy = serializers.FloatField(
        allow_null=True, help_text="On the held-out real drawings of its retrain."
    )
    held_out_real_count = serializers.IntegerField(allow_null=True)


class LiveSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        ["served", "shadow"],
        help_text="Readings it served, or shadow readings beside the serving one.",
    )
    readings = serializers.IntegerField(help_text="Live drawings it read.")
    labelled = serializers.IntegerField(help_text="Of them, drawings with a label.")
    accuracy = serializers.FloatField(allow_null=True, help_text="Right on the labelled ones.")
    agreement_with_serving = serializers.FloatField(
        allow_null=True, help_text="A shadow's: how often its answer was the served one."
    )
    not_sure_rate = serializers.FloatField(allow_null=True)


class VersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    serving = serializers.BooleanField()
    shadowing = serializers.BooleanField()
    shadow_since = serializers.DateTimeField(allow_null=True)
    promotion = PromotionSerializer(allow_null=True, help_text="Its latest promotion.")
    offline = OfflineSerializer()
    live = LiveSerializer(allow_null=True, help_text="Null until it has read a live drawing.")


class WindowSerializer(serializers.Serializer):
    drawings = serializers.IntegerField()
    answer_shares = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text='Share of each answer: digits 0-9, then "not a digit".',
    )
    not_sure_rate = serializers.FloatField(allow_null=True)
    mean_confidence = serializers.FloatField(allow_null=True)


class DriftSerializer(serializers.Serializer):
    this_week = WindowSerializer(help_text="Drawings of the last 7 days.")
    weeks_before = WindowSerializer(help_text="Drawings of the 4 weeks before those.")
    enough = serializers.BooleanField(help_text="Both windows hold at least 100 drawings.")
    flagged = serializers.BooleanField()
    shifts = serializers.ListField(
        child=serializers.ChoiceField(["answers", "not_sure_rate", "mean_confidence"])
    )
    psi = serializers.FloatField(
        allow_null=True, help_text="Population stability index of the answers; >= 0.2 shifts."
    )
    not_sure_z = serializers.FloatField(
        allow_null=True, help_text="Two-proportion z of the not-sure rates; |z| >= 3 shifts."
    )
    confidence_z = serializers.FloatField(
        allow_null=True, help_text="Welch's z of the mean confidences; |z| >= 3 shifts."
    )


class ModelsSerializer(serializers.Serializer):
    serving = serializers.CharField(allow_null=True)
    live_evidence_min = serializers.IntegerField(
        help_text="Labelled live drawings a shadowing candidate needs before the rule judges it."
    )
    versions = VersionSerializer(many=True)
    drift = DriftSerializer(help_text="What people draw this week against the weeks before.")


class ModelsView(APIView):
    permission_classes = [CanReadModels]

    @extend_schema(
        summary="Every model version: serving, shadowing, promoted when and by whom, figures",
        responses={200: ModelsSerializer, **errors(403)},
    )
    def get(self, request):
        serving = versions.serving_version_or_none()
        body = {
            "serving": serving,
            "live_evidence_min": settings.LIVE_EVIDENCE_MIN,
            "versions": selectors.model_versions_overview(serving),
            "drift": selectors.reading_drift(),
        }
        return Response(ModelsSerializer(body).data)
