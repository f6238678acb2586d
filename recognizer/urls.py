from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from recognizer.drawings import api, views
from recognizer.modelops import api as modelops_api
from recognizer.numbers import api as numbers_api
from recognizer.numbers import views as numbers_views
from recognizer.review import api as review_api
from recognizer.serving import browser, health

router = DefaultRouter()
router.register("predictions", api.PredictionViewSet, basename="prediction")
router.register("numbers", numbers_api.NumberViewSet, basename="number")

api_patterns = [
    # Before the router's: "read" is not a number's id.
    path("numbers/read/", numbers_api.NumberReadingView.as_view(), name="number-read"),
    path("", include(router.urls)),
    path("readings/", api.ReadingView.as_view(), name="reading"),
    path("stats/", api.StatsView.as_view(), name="stats"),
    path("review/queue/", review_api.ReviewQueueView.as_view(), name="review-queue"),
    path("models/", modelops_api.ModelsView.as_view(), name="models"),
    path("models/serving/", browser.ServingModelView.as_view(), name="serving-model"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="recognizer/api_docs.html"
        ),
        name="docs",
    ),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("number/", numbers_views.number, name="number"),
    path("history/", views.history, name="history"),
    path("healthz", health.HealthView.as_view(), name="healthz"),
    path("livez", health.LivenessView.as_view(), name="livez"),
    path("favicon.ico", views.favicon),
    path("sw.js", views.service_worker, name="service-worker"),
    re_path(
        r"^models/(?P<version>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/browser\.tflite$",
        browser.browser_model,
        name="browser-model",
    ),
    path("api/", include((api_patterns, "api"))),
]
