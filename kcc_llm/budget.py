"""--budget: no new call starts once spent + in-flight (estimated) cost would exceed the limit.

Estimates come from a char-based token count; `scale` learns how far real calls exceeded their estimate
(the largest ratio seen) and applies to every in-flight and future estimate, so a poor estimate cannot
overrun by much.
"""

from __future__ import annotations


class Budget:
    def __init__(self, limit_usd: float | None) -> None:
        self.limit_usd = limit_usd
        self.spent = 0.0
        self._in_flight_raw = 0.0  # sum of the (unscaled) estimates of calls in flight
        self.scale = 1.0
        self.exhausted = False

    def try_reserve(self, estimate: float) -> bool:
        """Reserve the estimated cost of one call; False (and `exhausted`) when it would overrun."""
        if self.limit_usd is not None and (
            self.exhausted or self.spent + (self._in_flight_raw + estimate) * self.scale > self.limit_usd
        ):
            self.exhausted = True
            return False
        self._in_flight_raw += estimate
        return True

    def settle(self, estimate: float, actual: float) -> None:
        self._in_flight_raw = max(0.0, self._in_flight_raw - estimate)
        self.spent += actual
        if estimate > 0 and actual > estimate * self.scale:
            self.scale = actual / estimate

    def release(self, estimate: float) -> None:
        self._in_flight_raw = max(0.0, self._in_flight_raw - estimate)
