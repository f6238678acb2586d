"""Rate limits that hold under concurrency: one atomic counter per client and window.

DRF's own throttles read a client's history from the cache and write it back, so
concurrent requests overwrite each other's counts. Here each request adds its cost with
one atomic increment (Redis INCRBY with REDIS_URL, a locked dict in each worker without),
and is let through only if the count it made is within the limit.
"""

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class AtomicCountMixin:
    """A fixed window per client that opens with its first request and lasts the period."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        cost = self.cost(request)
        self.now = self.timer()
        try:
            count = self._count(cost)
            if count <= self.num_requests:
                return True
            self.cache.decr(self.key, cost)  # a refused request uses none of the allowance
        except ValueError:
            pass  # the window closed between the two calls: nothing to give back
        except RedisError as exc:
            logger.warning("throttle counters unavailable, not throttling: %s", exc)
            return True
        return False

    def cost(self, request) -> int:
        """Return how much of the allowance this request uses."""
        return 1

    def _count(self, cost: int) -> int:
        if self.cache.add(self.key, cost, self.duration):
            self.cache.set(f"{self.key}:opened", self.now, self.duration)
            return cost
        try:
            count = self.cache.incr(self.key, cost)
        except ValueError:  # expired since add(): open a new window
            return self._count(cost)
        if count == cost:
            # The key expired between incr's existence check and its increment, and Redis
            # made a new one without an expiry: give it one, or it would never reset.
            self.cache.touch(self.key, self.duration)
        return count

    def wait(self):
        try:
            opened = self.cache.get(f"{self.key}:opened")
        except RedisError:
            opened = None
        if opened is None:
            return self.duration
        return max(opened + self.duration - self.timer(), 1)


class PerImageMixin:
    """Count each image of a batch against the rate, not the request once."""

    def cost(self, request) -> int:
        images = request.data.get("images") if isinstance(request.data, dict) else None
        count = len(images) if isinstance(images, list) else 1
        return min(max(count, 1), settings.MAX_BATCH_SIZE)


class PredictAnonThrottle(AtomicCountMixin, AnonRateThrottle):
    scope = "predict_anon"


class PredictUserThrottle(AtomicCountMixin, UserRateThrottle):
    scope = "predict_user"

    def get_cache_key(self, request, view):
        # DRF's user throttle falls back to the IP for anonymous callers; they have their own.
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class BatchAnonThrottle(PerImageMixin, PredictAnonThrottle):
    pass


class BatchUserThrottle(PerImageMixin, PredictUserThrottle):
    pass


class ReadAnonThrottle(AtomicCountMixin, AnonRateThrottle):
    scope = "read_anon"


class ReadUserThrottle(PredictUserThrottle):
    scope = "read_user"
