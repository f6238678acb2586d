"""The review queue as an API: what reviewers should look at next, and why."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from recognizer.drawings.api import CanSeeAll
from recognizer.drawings.schema import errors
from recognizer.drawings.serializers import DrawingSerializer
from recognizer.review.queue import REASONS, drawings_in_queue, review_reasons

ERROR_QUEUE = "Only reviewers and auditors can read the review queue."


class CanReadQueue(CanSeeAll):
    message = ERROR_QUEUE


class QueueItemSerializer(DrawingSerializer):
    review_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=REASONS),
        help_text="Why the drawing is in the queue, most pressing first: `second_opinion` (a "
        "reviewer's label awaits yours), `label_disagrees` (the model finds the label likely "
        "wrong), `not_sure`, `low_confidence`, `unreviewed` (no reviewer has settled it).",
    )

    class Meta(DrawingSerializer.Meta):
        fields = [*DrawingSerializer.Meta.fields, "review_reasons"]
        read_only_fields = fields

    def to_representation(self, drawing) -> dict:
        body = super().to_representation(drawing)
        body["review_reasons"] = review_reasons(drawing, self.context["request"].user)
        return body


class ReviewQueueView(generics.ListAPIView):
    """The review queue, in the admin's order, for reviewers and auditors."""

    serializer_class = QueueItemSerializer
    permission_classes = [CanReadQueue]

    def get_queryset(self):
        return drawings_in_queue(self.request.user)

    @extend_schema(
        summary="The review queue: drawings to look at next, likeliest wrong labels first",
        description="Labels the model finds likely wrong and labels awaiting a second opinion "
        "first, then drawings the model was not sure about, then low confidence, then the "
        "rest; drawings a reviewer has settled are not in it. Reviewers and auditors only "
        "(permission `recognizer.view_drawing`).",
        responses={200: QueueItemSerializer(many=True), **errors(403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
