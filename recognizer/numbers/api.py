"""The numbers API: thin DRF views over the numbers' services and selectors."""

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.numbers import MAX_HEIGHT, MAX_WIDTH
from recognizer.core.owners import request_owner
from recognizer.drawings.api import idempotency_key
from recognizer.drawings.schema import IDEMPOTENCY_HEADER, errors
from recognizer.drawings.throttles import (
    PredictAnonThrottle,
    PredictUserThrottle,
    ReadAnonThrottle,
    ReadUserThrottle,
)
from recognizer.models import Number
from recognizer.numbers import selectors, services
from recognizer.numbers.serializers import (
    NumberCreateSerializer,
    NumberFeedbackSerializer,
    NumberReadingSerializer,
    NumberSerializer,
    NumberUploadSerializer,
)

LIMITS = (
    f"An image may be up to {MAX_WIDTH} px wide and {MAX_HEIGHT} px high, with at most "
    f"{settings.NUMBER_MAX_DIGITS} digits (`NUMBER_MAX_DIGITS`); more is a 413 or a 422, and "
    "nothing is stored."
)
EXAMPLE_NUMBER = OpenApiExample(
    "A year",
    value={"image": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA..."},
    request_only=True,
)
EXAMPLE_FEEDBACK = OpenApiExample("It was 2027", value={"digits": "2027"}, request_only=True)
CREATE_REQUEST = {
    "application/json": NumberCreateSerializer,
    "multipart/form-data": NumberUploadSerializer,
}


@extend_schema_view(
    list=extend_schema(
        summary="List numbers, newest first",
        responses={200: NumberSerializer(many=True), **errors(400, 404, 503)},
    ),
    retrieve=extend_schema(
        summary="One number and its digits",
        responses={200: NumberSerializer, **errors(404, 503)},
    ),
)
class NumberViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NumberSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Number.objects.none()
        numbers = selectors.numbers_visible_to(request_owner(self.request))
        return numbers.defer(None) if self.action == "image" else numbers

    def get_throttles(self):
        if self.action == "create":
            return [PredictAnonThrottle(), PredictUserThrottle()]
        return super().get_throttles()

    @extend_schema(
        summary="Read a whole number and store it, one drawing per digit",
        description="Finds each digit of a number drawn in one image, reads it, and stores "
        "the number with one drawing per digit: each is labelled and reviewed like any "
        f"drawing. {LIMITS}",
        request=CREATE_REQUEST,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: NumberSerializer, **errors(400, 403, 413, 415, 422, 429, 503)},
        examples=[EXAMPLE_NUMBER],
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request)
        form = NumberCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        number = services.number_create(
            image=form.validated_data["image"],
            strokes=form.validated_data.get("strokes"),
            source=form.validated_data["source"],
            owner=request_owner(request, create=True),
            idempotency=key,
        )
        body = self.get_serializer(self.get_queryset().get(pk=number.pk)).data
        headers = {"Location": body["url"]}
        if number.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Say which number it really was",
        description="Give every digit, changed or not: each digit's drawing is labelled "
        "through the same rules and history as a single drawing's.",
        request={"application/json": NumberFeedbackSerializer},
        responses={200: NumberSerializer, **errors(400, 403, 404, 409, 415, 422, 503)},
        examples=[EXAMPLE_FEEDBACK],
    )
    def partial_update(self, request, *args, **kwargs):
        number = self.get_object()
        form = NumberFeedbackSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.number_set_digits(
            number=number, digits=form.validated_data["digits"], owner=request_owner(request)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=number.pk)).data)

    @extend_schema(
        summary="The number's image exactly as received",
        responses={
            (200, "image/*"): OpenApiResponse(description="The original image file."),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"])
    def image(self, request, pk=None):
        number = self.get_object()
        response = HttpResponse(bytes(number.image), content_type=number.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response


class NumberReadingView(APIView):
    """Read a number without storing it: the page's live reading while drawing."""

    throttle_classes = [ReadAnonThrottle, ReadUserThrottle]

    @extend_schema(
        summary="Read a whole number without storing it",
        description=f"The same request as `POST /api/numbers/`; nothing is stored. {LIMITS}",
        request=CREATE_REQUEST,
        responses={200: NumberReadingSerializer, **errors(400, 403, 413, 415, 422, 429, 503)},
        examples=[EXAMPLE_NUMBER],
    )
    def post(self, request):
        form = NumberCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reading = services.number_read(
            image=form.validated_data["image"], strokes=form.validated_data.get("strokes")
        )
        return Response(NumberReadingSerializer(reading).data)
