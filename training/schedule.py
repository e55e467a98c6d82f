"""The learning-rate schedule and the time budget that may shorten it."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class LinearSchedule:
    """Learning-rate factor: linear warmup, then linear decay reaching 0 at step ``total``
    (a :class:`BudgetGuard` may move ``total`` earlier)."""

    def __init__(self, total: int, warmup: int) -> None:
        self.total, self.warmup = total, warmup

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        return max(0.0, (self.total - step) / max(1, self.total - self.warmup))


class BudgetGuard:
    """Keeps a run inside ``time_budget_minutes``. From the recent time per step and the time of
    an evaluation it re-estimates, every few steps, how many steps still fit; the schedule's end
    follows that estimate (never beyond the planned end), so the learning rate decays to 0 when
    the budget runs out, and recovers when the machine gets faster again."""

    #: steps whose duration sets the current speed
    WINDOW = 50

    def __init__(self, budget_s: float | None, started: float, schedule: LinearSchedule,
                 steps_per_epoch: int, eval_inputs: int, batch_size: int,
                 clock: Callable[[], float] = time.monotonic,
                 planned_total: int | None = None) -> None:
        self.budget_s, self.started, self.schedule = budget_s, started, schedule
        self.planned_total = planned_total or schedule.total
        self.steps_per_epoch, self.eval_inputs, self.batch_size = (steps_per_epoch, eval_inputs,
                                                                   batch_size)
        self.clock = clock
        self.recent: deque[float] = deque(maxlen=self.WINDOW)
        self.eval_seconds: float | None = None

    @property
    def shortened(self) -> bool:
        return self.schedule.total < self.planned_total

    def record_eval(self, seconds: float) -> None:
        self.eval_seconds = seconds

    def should_stop(self, step: int, step_seconds: float) -> bool:
        """Account one finished step; True when training must stop now."""
        self.recent.append(step_seconds)
        if self.budget_s is None or step % 5:
            return False
        per_step = sum(self.recent) / len(self.recent)
        eval_s = (self.eval_seconds if self.eval_seconds is not None
                  else per_step * self.eval_inputs / self.batch_size / 2)
        epoch_ends = sum(1 for k in range(1, self.planned_total // self.steps_per_epoch + 1)
                         if step < k * self.steps_per_epoch < self.schedule.total)
        remaining = self.budget_s - (self.clock() - self.started) - eval_s * (1 + epoch_ends)
        fits = step + int(max(0.0, remaining) / per_step)
        self.schedule.total = min(self.planned_total,
                                  max(step, fits, self.schedule.warmup + 1))
        return self.shortened and step >= self.schedule.total
