"""Review: find where the model is wrong, fix labels (through the services), export.

What a person may do here comes from Django's permissions (see `recognizer.core.access`).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from recognizer.core import access
from recognizer.drawings import labelling
from recognizer.models import (
    NOT_A_DIGIT,
    Drawing,
    LabelChange,
    label_name,
)
from recognizer.review import dashboard, exports
from recognizer.review.columns import DrawingColumns
from recognizer.review.queue import (
    AnswerFilter,
    ConfidenceFilter,
    LabelQualityFilter,
    MisclassifiedFilter,
    ShadowDisagreesFilter,
    UncertainFilter,
    confirmable,
    queue_order,
)

# The review queue needs the width: every column in view at 1280 px.
admin.site.enable_nav_sidebar = False
ERROR_LABEL_CLEARED = (
    "A label cannot be removed, only corrected; exclude the drawing from training instead."
)
ERROR_REVIEW_ACTION = "Unknown review action."
SKIPPED_NOT_SURE = (
    "Left {count} drawing(s) unlabelled: the model was not sure between digits, "
    "so there is no answer to confirm. Label them with their digit."
)


class LabelChangeInline(admin.TabularInline):
    model = LabelChange
    fields = ["created_at", "old_label", "new_label", "source", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Label history (audit trail)"

    def has_add_permission(self, request, obj=None):
        return False


def _relabel_action(label: int):
    name = label_name(label)

    def action(modeladmin, request, queryset):
        for drawing in queryset:
            labelling.drawing_relabel(drawing=drawing, label=label, reviewer=request.user)
        modeladmin.message_user(request, f"Relabelled {queryset.count()} drawing(s) as {name}.")

    action.__name__ = f"relabel_as_{label}" if label < NOT_A_DIGIT else "relabel_as_not_a_digit"
    action.short_description = f"Relabel as {name}"
    action.allowed_permissions = ("relabel",)
    return action


class DrawingReviewForm(forms.ModelForm):
    class Meta:
        model = Drawing
        fields = ["label", "excluded_from_training"]

    def clean_label(self):
        label = self.cleaned_data.get("label")
        if label is None and self.instance.label is not None:
            raise forms.ValidationError(ERROR_LABEL_CLEARED, code="label_cleared")
        return label


@admin.register(Drawing)
class DrawingAdmin(DrawingColumns, admin.ModelAdmin):
    list_display = [
        "id",
        "thumbnails",
        "review",
        "predicted",
        "confidence",
        "label_shown",
        "model_version",
        "created",
    ]
    list_display_links = ["id", "thumbnails"]
    list_filter = [
        LabelQualityFilter,
        MisclassifiedFilter,
        UncertainFilter,
        AnswerFilter,
        ConfidenceFilter,
        "prediction__digit",
        "label",
        "prediction__model_version",
        ShadowDisagreesFilter,
        "source",
        "excluded_from_training",
        "created_at",
    ]
    list_select_related = ["prediction", "labelled_by"]
    search_fields = ["=id"]
    search_help_text = "Find a drawing by its number."
    form = DrawingReviewForm
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
        "drawer_label",
        "label_doubt",
        "needs_second_opinion",
        "excluded_from_training",
        "source",
        "user",
        "session_key",
        "created_at",
    ]
    inlines = [LabelChangeInline]
    actions = [
        "mark_correct",
        *[_relabel_action(d) for d in range(NOT_A_DIGIT + 1)],
        "exclude_from_training",
        "include_in_training",
        "export_npz",
        "export_csv",
    ]

    class Media:
        css = {"all": ["css/admin-review.css"]}
        js = ["js/admin-review.js"]

    def get_urls(self):
        own = [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="recognizer_drawing_dashboard",
            ),
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="recognizer_drawing_review",
            ),
        ]
        return [*own, *super().get_urls()]

    def has_relabel_permission(self, request) -> bool:
        return access.can(request.user, access.RELABEL)

    def has_exclude_permission(self, request) -> bool:
        return access.can(request.user, access.EXCLUDE)

    def has_export_permission(self, request) -> bool:
        return access.can(request.user, access.EXPORT)

    def has_change_permission(self, request, obj=None):
        # The label and the exclusion are all a reviewer changes, each by its own permission.
        return self.has_relabel_permission(request) or self.has_exclude_permission(request)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.label_changes.exists():
            return False  # its audit trail must stay; exclude it from training instead
        return super().has_delete_permission(request, obj)

    def get_ordering(self, request):
        return queue_order(request.user)

    def get_fields(self, request, obj=None):
        if getattr(obj, "label_hidden", False):  # the second reviewer answers unswayed
            hidden = {"label", "label_source", "labelled_by", "labelled_at", "label_doubt"}
            return ["label_shown", *(f for f in self.fields if f not in hidden)]
        return self.fields

    def get_inlines(self, request, obj):
        return [] if getattr(obj, "label_hidden", False) else self.inlines

    def get_readonly_fields(self, request, obj=None):
        editable = {
            "label": self.has_relabel_permission(request),
            "excluded_from_training": self.has_exclude_permission(request),
        }
        return [f for f in ["label_shown", *self.fields] if not editable.get(f)]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_review": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if not self.has_change_permission(request):
            shown.remove("review")
        return shown

    def review_view(self, request, object_id):
        """Apply one row's review button: relabel, confirm, or exclude/include."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        drawing = self.get_object(request, object_id)
        if drawing is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        done = self._review(request, drawing, request.POST.get("do", ""))
        self.message_user(request, done, messages.SUCCESS if done else messages.ERROR)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = reverse("admin:recognizer_drawing_changelist")
        return HttpResponseRedirect(back)

    def _review(self, request, drawing, do: str) -> str:
        user = request.user
        if do == "exclude":
            excluded = not drawing.excluded_from_training
            labelling.drawing_set_excluded(drawing=drawing, excluded=excluded, by=user)
            self.log_change(request, drawing, "Excluded" if excluded else "Included again")
            return f"#{drawing.pk} {'excluded from' if excluded else 'included in'} training."
        labels = {
            **{f"label:{d}": d for d in range(NOT_A_DIGIT + 1)},
            "confirm": confirmable(drawing),
        }
        if labels.get(do) is None:
            return ERROR_REVIEW_ACTION
        labelling.drawing_relabel(drawing=drawing, label=labels[do], reviewer=user)
        return f"#{drawing.pk} labelled {label_name(labels[do])}."

    def dashboard_view(self, request):
        # Promoters' buttons live here: they see the page and each outcome without seeing drawings.
        if not (self.has_view_permission(request) or access.can(request.user, access.PROMOTE)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **dashboard.context(),
            "can_promote": access.can(request.user, access.PROMOTE),
            "title": "Review dashboard",
            "opts": self.model._meta,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/recognizer/dashboard.html", context)

    def get_queryset(self, request):
        # A label awaiting a second opinion is hidden from the other reviewers until they answer.
        hidden = Q(needs_second_opinion=True) & ~Q(labelled_by=request.user.pk)
        if not self.has_relabel_permission(request):
            hidden = Q(pk__in=[])
        drawings = super().get_queryset(request).defer("image", "model_input")
        return drawings.annotate(label_hidden=ExpressionWrapper(hidden, BooleanField()))

    def has_add_permission(self, request):
        return False  # drawings come from people drawing, not from the admin

    def save_model(self, request, obj, form, change):
        # Labels change only through the service, so the audit trail stays complete.
        if "label" in form.changed_data and obj.label is not None:
            labelling.drawing_relabel(drawing=obj, label=obj.label, reviewer=request.user)
        if "excluded_from_training" in form.changed_data:
            labelling.drawing_set_excluded(
                drawing=obj, excluded=obj.excluded_from_training, by=request.user
            )

    @admin.action(
        description="The model's answer is right (a digit, or not a digit)", permissions=["relabel"]
    )
    def mark_correct(self, request, queryset):
        confirmed = skipped = 0
        for drawing in queryset.select_related("prediction"):
            label = confirmable(drawing)
            if label is None:
                skipped += 1
                continue
            labelling.drawing_relabel(drawing=drawing, label=label, reviewer=request.user)
            confirmed += 1
        self.message_user(request, f"Confirmed {confirmed} answer(s).")
        if skipped:
            self.message_user(request, SKIPPED_NOT_SURE.format(count=skipped), messages.WARNING)

    @admin.action(
        description="Exclude from training (scribble, not a digit)", permissions=["exclude"]
    )
    def exclude_from_training(self, request, queryset):
        for drawing in queryset:
            labelling.drawing_set_excluded(drawing=drawing, excluded=True, by=request.user)
            self.log_change(request, drawing, "Excluded from training")
        self.message_user(request, f"Excluded {queryset.count()} drawing(s).", messages.WARNING)

    @admin.action(description="Include in training again", permissions=["exclude"])
    def include_in_training(self, request, queryset):
        for drawing in queryset:
            labelling.drawing_set_excluded(drawing=drawing, excluded=False, by=request.user)
            self.log_change(request, drawing, "Included in training again")
        self.message_user(request, f"Included {queryset.count()} drawing(s).")

    @admin.action(
        description="Export labelled as NPZ (for ml.train --extra)", permissions=["export"]
    )
    def export_npz(self, request, queryset):
        return self._export(request, queryset, "npz")

    @admin.action(description="Export labelled as CSV", permissions=["export"])
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


# Model versions, promotions and retrain jobs: the training side of the admin.
