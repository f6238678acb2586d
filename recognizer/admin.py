"""Staff review: find where the model is wrong, fix labels (through the services), export."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from recognizer import dashboard, exports, services
from recognizer.models import Drawing, LabelChange, ModelPromotion

THUMB = 84


class MisclassifiedFilter(admin.SimpleListFilter):
    title = "correctness"
    parameter_name = "misclassified"

    def lookups(self, request, model_admin):
        return [("yes", "Misclassified"), ("no", "Correct"), ("unreviewed", "Unreviewed")]

    def queryset(self, request, queryset):
        return {
            "yes": queryset.misclassified,
            "no": queryset.correct,
            "unreviewed": queryset.unreviewed,
        }.get(self.value(), queryset.all)()


class ConfidenceFilter(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return [("low", f"Low (below {settings.LOW_CONFIDENCE:.0%})"), ("high", "High")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low_confidence(settings.LOW_CONFIDENCE)
        if self.value() == "high":
            return queryset.exclude(pk__in=queryset.low_confidence(settings.LOW_CONFIDENCE))
        return queryset


class LabelChangeInline(admin.TabularInline):
    model = LabelChange
    fields = ["created_at", "old_label", "new_label", "source", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Label history (audit trail)"

    def has_add_permission(self, request, obj=None):
        return False


def _relabel_action(digit: int):
    def action(modeladmin, request, queryset):
        for drawing in queryset:
            services.drawing_relabel(drawing=drawing, label=digit, reviewer=request.user)
        modeladmin.message_user(request, f"Relabelled {queryset.count()} drawing(s) as {digit}.")

    action.__name__ = f"relabel_as_{digit}"
    action.short_description = f"Relabel as {digit}"
    return action


@admin.register(Drawing)
class DrawingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "thumbnails",
        "predicted",
        "confidence",
        "label",
        "labelled_by",
        "model_version",
        "source",
        "created_at",
    ]
    list_display_links = ["id", "thumbnails"]
    list_filter = [
        MisclassifiedFilter,
        ConfidenceFilter,
        "prediction__digit",
        "label",
        "prediction__model_version",
        "source",
        "excluded_from_training",
        "created_at",
    ]
    list_select_related = ["prediction", "labelled_by"]
    search_fields = ["=id", "prediction__model_version"]
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = [
        "pictures",
        "predicted",
        "confidence",
        "probabilities",
        "model_version",
        "label",
        "label_source",
        "labelled_by",
        "labelled_at",
        "excluded_from_training",
        "source",
        "user",
        "session_key",
        "created_at",
    ]
    readonly_fields = [f for f in fields if f not in ("label", "excluded_from_training")]
    inlines = [LabelChangeInline]
    actions = [
        "mark_correct",
        *[_relabel_action(d) for d in range(10)],
        "exclude_from_training",
        "include_in_training",
        "export_npz",
        "export_csv",
    ]

    class Media:
        css = {"all": ["css/admin-review.css"]}

    def get_urls(self):
        dashboard_url = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="recognizer_drawing_dashboard",
        )
        return [dashboard_url, *super().get_urls()]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **dashboard.context(),
            "title": "Review dashboard",
            "opts": self.model._meta,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/recognizer/dashboard.html", context)

    def get_queryset(self, request):
        # The review queue: unreviewed first, least confident first, then newest.
        return (
            super()
            .get_queryset(request)
            .defer("image", "model_input")
            .order_by(F("label").desc(nulls_first=True), "prediction__confidence", "-created_at")
        )

    def has_add_permission(self, request):
        return False  # drawings come from people drawing, not from the admin

    def save_model(self, request, obj, form, change):
        # Labels change only through the service, so the audit trail stays complete.
        if "label" in form.changed_data and obj.label is not None:
            services.drawing_relabel(drawing=obj, label=obj.label, reviewer=request.user)
        if "excluded_from_training" in form.changed_data:
            services.drawing_set_excluded(drawing=obj, excluded=obj.excluded_from_training)

    @admin.display(description="Drawing · model input")
    def thumbnails(self, drawing):
        return self._pictures(drawing, THUMB)

    @admin.display(description="Drawing · what the model saw")
    def pictures(self, drawing):
        return self._pictures(drawing, 3 * THUMB)

    def _pictures(self, drawing, size):
        image = reverse("api:prediction-image", args=[drawing.pk])
        seen = reverse("api:prediction-input", args=[drawing.pk]) + "?scale=6"
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="drawing {}" class="review-thumb">'
            '<img src="{}" width="{}" height="{}" alt="28×28 input" class="review-thumb pixel">',
            image,
            size,
            size,
            drawing.pk,
            seen,
            size,
            size,
        )

    @admin.display(description="Predicted", ordering="prediction__digit")
    def predicted(self, drawing):
        return drawing.prediction.digit

    @admin.display(description="Confidence", ordering="prediction__confidence")
    def confidence(self, drawing):
        return f"{drawing.prediction.confidence:.1%}"

    @admin.display(description="Model", ordering="prediction__model_version")
    def model_version(self, drawing):
        return drawing.prediction.model_version

    @admin.display(description="Probabilities")
    def probabilities(self, drawing):
        return ", ".join(f"{d}: {p:.1%}" for d, p in enumerate(drawing.prediction.probabilities))

    @admin.action(description="Prediction is correct (label = prediction)")
    def mark_correct(self, request, queryset):
        for drawing in queryset.select_related("prediction"):
            services.drawing_relabel(
                drawing=drawing, label=drawing.prediction.digit, reviewer=request.user
            )
        self.message_user(request, f"Confirmed {queryset.count()} prediction(s).")

    @admin.action(description="Exclude from training (scribble, not a digit)")
    def exclude_from_training(self, request, queryset):
        for drawing in queryset:
            services.drawing_set_excluded(drawing=drawing, excluded=True)
        self.message_user(request, f"Excluded {queryset.count()} drawing(s).", messages.WARNING)

    @admin.action(description="Include in training again")
    def include_in_training(self, request, queryset):
        for drawing in queryset:
            services.drawing_set_excluded(drawing=drawing, excluded=False)
        self.message_user(request, f"Included {queryset.count()} drawing(s).")

    @admin.action(description="Export labelled as NPZ (for ml.train --extra)")
    def export_npz(self, request, queryset):
        return self._export(request, queryset, "npz")

    @admin.action(description="Export labelled as CSV")
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    def _export(self, request, queryset, fmt: str):
        content, count = exports.export(queryset, fmt)
        if not count:
            self.message_user(request, "None of the selected drawings has a label.", messages.ERROR)
            return None
        response = HttpResponse(content, content_type=exports.FORMATS[fmt])
        name = f"labelled-drawings-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(ModelPromotion)
class ModelPromotionAdmin(admin.ModelAdmin):
    """Which model served when, who promoted it and on what evidence. Read-only."""

    list_display = ["version", "previous_version", "action", "promoted_by", "promoted_at"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in ModelPromotion._meta.fields]

    def has_add_permission(self, request):
        return False  # promotions happen through `manage.py retrain` and `manage.py rollback`

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
