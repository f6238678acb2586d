"""Rate limits under concurrency: one atomic count per request, with Redis and without."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from recognizer.drawings.throttles import BatchAnonThrottle, PredictAnonThrottle
from tests.test_hosts import REDIS_URL, redis_or_skip

LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttles"}


@pytest.fixture(params=["redis", "locmem"])
def counters(request, settings):
    """The site's cache as configured with REDIS_URL, or each worker's own memory."""
    if request.param == "redis":
        redis_or_skip()
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        settings.CACHES = {"default": {**backend, "KEY_PREFIX": f"test-{secrets.token_hex(4)}"}}
    else:
        settings.CACHES = {"default": LOCAL}
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def caller(address: str = "203.0.113.9", images: int | None = None) -> Request:
    data = {"images": ["png"] * images} if images else {}
    http = APIRequestFactory().post("/", data, format="json", REMOTE_ADDR=address)
    request = Request(http, parsers=[JSONParser()])
    request.user = AnonymousUser()
    return request


def allowed(throttle_class, request, rate: str) -> bool:
    throttle = throttle_class()
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    return throttle.allow_request(request, None)


def test_throttle_lets_exactly_the_limit_through_8_concurrent_clients(counters):
    request = caller()
    with ThreadPoolExecutor(8) as clients:
        answers = list(
            clients.map(lambda _: allowed(PredictAnonThrottle, request, "60/min"), range(200))
        )
    assert answers.count(True) == 60


def test_throttle_counts_each_address_apart(counters):
    assert allowed(PredictAnonThrottle, caller("203.0.113.1"), "1/min")
    assert allowed(PredictAnonThrottle, caller("203.0.113.2"), "1/min")
    assert not allowed(PredictAnonThrottle, caller("203.0.113.1"), "1/min")


def test_refused_batch_leaves_the_allowance_for_smaller_requests(counters):
    assert allowed(BatchAnonThrottle, caller(images=4), "5/min")
    assert not allowed(BatchAnonThrottle, caller(images=4), "5/min")  # 8 > 5: refused
    assert allowed(BatchAnonThrottle, caller(images=1), "5/min")  # the fifth is still there
    assert not allowed(PredictAnonThrottle, caller(), "5/min")


def test_throttle_says_how_long_to_wait_until_the_window_closes(counters):
    throttle = PredictAnonThrottle()
    throttle.rate, (throttle.num_requests, throttle.duration) = "1/min", (1, 60)
    assert throttle.allow_request(caller(), None)
    assert not throttle.allow_request(caller(), None)
    assert 55 <= throttle.wait() <= 60


def test_throttle_lets_requests_through_when_redis_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert all(allowed(PredictAnonThrottle, caller(), "1/min") for _ in range(3))
