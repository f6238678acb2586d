"""The REST API: thin DRF views over the services and selectors."""

import logging
import re

from django.conf import settings
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.preprocessing import ModelInput
from recognizer.core import access
from recognizer.core.owners import idempotency_owner, request_owner
from recognizer.core.params import parse_int
from recognizer.core.parsers import SafeJSONParser
from recognizer.drawings import labelling, selectors, services
from recognizer.drawings.filters import DrawingFilter
from recognizer.drawings.labels import LabelChangeSerializer, LabelSerializer, label_hidden
from recognizer.drawings.schema import (
    EXAMPLE_BATCH,
    EXAMPLE_ERROR,
    EXAMPLE_LABEL,
    EXAMPLE_NOT_A_DIGIT,
    EXAMPLE_PNG,
    EXAMPLE_RESULT,
    IDEMPOTENCY_HEADER,
    errors,
)
from recognizer.drawings.serializers import (
    BatchCreateSerializer,
    BatchResultSerializer,
    DrawingSerializer,
    PredictionCreateSerializer,
    PredictionUploadSerializer,
    ReadingSerializer,
)
from recognizer.drawings.stats import StatsSerializer
from recognizer.drawings.throttles import (
    BatchAnonThrottle,
    BatchUserThrottle,
    PredictAnonThrottle,
    PredictUserThrottle,
    ReadAnonThrottle,
    ReadUserThrottle,
)
from recognizer.models import Drawing

logger = logging.getLogger(__name__)
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# The error envelope puts the header's name in front: "Idempotency-Key: give 1 to 64 ...".
ERROR_HISTORY_HIDDEN = (
    "A reviewer's label on this drawing awaits your second opinion: give your label first, "
    "then its history is yours to read."
)
ERROR_IDEMPOTENCY_KEY = "give 1 to 64 letters, digits, '.', '_', ':' or '-' (a UUID, say)."


def idempotency_key(request) -> services.IdempotencyKey | None:
    """Return the request's Idempotency-Key in its owner's namespace, or None without one."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError({"Idempotency-Key": ERROR_IDEMPOTENCY_KEY}, code="invalid_key")
    return services.IdempotencyKey(owner=idempotency_owner(request), key=key)


class CanSeeAll(permissions.BasePermission):
    message = "Only reviewers and auditors can read the audit trail."

    def has_permission(self, request, view):
        return access.can(request.user, access.VIEW)


@extend_schema_view(
    list=extend_schema(
        summary="List drawings, newest first",
        responses={200: DrawingSerializer(many=True), **errors(400, 404, 503)},
    ),
    retrieve=extend_schema(
        summary="One drawing and its prediction",
        responses={200: DrawingSerializer, **errors(404, 503)},
    ),
)
class PredictionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DrawingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DrawingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Any id reaches the view, so a bad one gets DRF's JSON 404 rather than an HTML page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no session
            return Drawing.objects.none()
        owner = request_owner(self.request)
        if self.action == "partial_update" and owner.db_user is not None:
            # A signed-in caller is told "not allowed" (403), not "not there", on others' drawings.
            return Drawing.objects.select_related("prediction").defer("image", "model_input")
        drawings = selectors.drawings_visible_to(owner)
        if self.action not in ("image", "input"):
            drawings = drawings.defer("image", "model_input")
        return drawings

    def get_throttles(self):
        if self.action == "create":
            return [PredictAnonThrottle(), PredictUserThrottle()]
        if self.action == "batch":
            return [BatchAnonThrottle(), BatchUserThrottle()]
        return super().get_throttles()

    def get_permissions(self):
        if self.action == "history":
            return [CanSeeAll()]
        return super().get_permissions()

    def _created(self, drawings) -> list[dict]:
        serializer = DrawingSerializer(context=self.get_serializer_context())
        return [serializer.to_representation(drawing) for drawing in drawings]

    @extend_schema(
        summary="Recognize a digit",
        request={
            "application/json": PredictionCreateSerializer,
            "multipart/form-data": PredictionUploadSerializer,
        },
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: DrawingSerializer, **errors(400, 403, 413, 415, 422, 429, 503)},
        examples=[EXAMPLE_PNG, EXAMPLE_RESULT, EXAMPLE_ERROR],
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request)
        form = PredictionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        browser = None
        if "browser_version" in data:
            browser = services.BrowserReading(
                data["browser_version"], tuple(data["browser_probabilities"])
            )
        drawing = services.drawing_create(
            image=data["image"],
            source=data["source"],
            label=data.get("label"),
            owner=request_owner(request, create=True),
            idempotency=key,
            browser=browser,
        )
        (body,) = self._created([drawing])
        headers = {"Location": str(body["url"])}
        if drawing.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary=f"Recognize up to {settings.MAX_BATCH_SIZE} digits in one request",
        request=BatchCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: BatchResultSerializer, **errors(400, 403, 413, 415, 422, 429, 503)},
        examples=[EXAMPLE_BATCH, EXAMPLE_ERROR],
    )
    @action(detail=False, methods=["post"], parser_classes=[SafeJSONParser])
    def batch(self, request):
        key = idempotency_key(request)
        form = BatchCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        drawings = services.drawing_create_batch(
            images=form.validated_data["images"],
            labels=form.validated_data.get("labels"),
            source=form.validated_data["source"],
            owner=request_owner(request, create=True),
            idempotency=key,
        )
        results = self._created(drawings)
        headers = {"Idempotent-Replayed": "true"} if drawings[0].replayed else {}
        body = {"count": len(results), "results": results}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Say which digit it really is",
        description="The person who drew it may give the label and change it once, shortly "
        "after; reviewers (permission `recognizer.relabel_drawing`) may relabel any time. "
        "Every change is kept in the drawing's history.",
        request={"application/json": LabelSerializer},
        responses={200: DrawingSerializer, **errors(400, 403, 404, 409, 415, 503)},
        examples=[EXAMPLE_LABEL, EXAMPLE_NOT_A_DIGIT, EXAMPLE_RESULT],
    )
    def partial_update(self, request, *args, **kwargs):
        drawing = self.get_object()
        form = LabelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        drawing = labelling.drawing_set_label(
            drawing=drawing, label=form.validated_data["label"], owner=request_owner(request)
        )
        return Response(self.get_serializer(drawing).data)

    @extend_schema(
        summary="The drawing exactly as received",
        responses={
            (200, "image/*"): OpenApiResponse(description="The original image file."),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def image(self, request, pk=None):
        drawing = self.get_object()
        response = HttpResponse(bytes(drawing.image), content_type=drawing.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        summary="The 28x28 image the model saw, as PNG",
        parameters=[OpenApiParameter("scale", int, description="Enlarge 1-16 times (default 1).")],
        responses={
            (200, "image/png"): OpenApiResponse(description="A greyscale PNG."),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"], url_path="input", filter_backends=[])
    def input(self, request, pk=None):
        drawing = self.get_object()
        scale = parse_int(request.query_params.get("scale"), low=1, high=16) or 1
        png = ModelInput.from_bytes(bytes(drawing.model_input)).to_png(scale=scale)
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(
        summary="Every label change of this drawing (reviewers and auditors)",
        responses={200: LabelChangeSerializer(many=True), **errors(403, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        drawing = self.get_object()
        if label_hidden(drawing, request.user):
            raise PermissionDenied(ERROR_HISTORY_HIDDEN)
        changes = selectors.drawing_history(drawing)
        return Response(LabelChangeSerializer(changes, many=True).data)


class ReadingView(APIView):
    """Read a digit without storing it: the canvas page's live reading while drawing."""

    throttle_classes = [ReadAnonThrottle, ReadUserThrottle]

    @extend_schema(
        summary="Read a digit without storing it",
        description="The same request as `POST /api/predictions/`, answered with what the "
        "model reads; nothing is stored. The canvas page calls this while the person draws "
        "and stores the finished drawing once with `POST /api/predictions/`.",
        request={
            "application/json": PredictionCreateSerializer,
            "multipart/form-data": PredictionUploadSerializer,
        },
        responses={200: ReadingSerializer, **errors(400, 403, 413, 415, 422, 429, 503)},
        examples=[EXAMPLE_PNG, EXAMPLE_ERROR],
    )
    def post(self, request):
        form = PredictionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reading = services.image_read(image=form.validated_data["image"])
        return Response(ReadingSerializer(reading).data)


class StatsView(APIView):
    @extend_schema(
        summary="Counts, accuracy and confusion matrix of real drawings",
        description="Reviewers and auditors see statistics over every drawing, and the "
        "reviewers' figures; anyone else sees their own drawings' statistics.",
        responses={200: StatsSerializer, **errors(503)},
    )
    def get(self, request):
        drawings = selectors.drawings_visible_to(request_owner(request))
        review = selectors.review_figures() if access.can(request.user, access.VIEW) else None
        return Response({**selectors.drawing_stats(drawings), "review": review})
