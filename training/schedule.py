"""The learning-rate schedule and the time budget that may shorten it."""

from __future__ import annotations

import time


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
    """Keeps a run inside ``time_budget_minutes``: from the measured time per step and per
    evaluation it re-estimates how many steps still fit and, when fewer than planned, shortens
    the schedule so the learning rate still decays to 0 before the budget ends."""

    def __init__(self, budget_s: float | None, started: float, schedule: LinearSchedule,
                 steps_per_epoch: int, eval_inputs: int, batch_size: int) -> None:
        self.budget_s, self.started, self.schedule = budget_s, started, schedule
        self.steps_per_epoch, self.eval_inputs, self.batch_size = (steps_per_epoch, eval_inputs,
                                                                   batch_size)
        self.step_seconds = 0.0
        self.steps = 0
        self.eval_seconds: float | None = None
        self.shortened = False

    def record_eval(self, seconds: float) -> None:
        self.eval_seconds = seconds

    def should_stop(self, step: int, step_seconds: float) -> bool:
        """Account one finished step; True when training must stop now."""
        self.steps += 1
        self.step_seconds += step_seconds
        if self.budget_s is not None and (self.steps <= 5 or self.steps % 5 == 0):
            per_step = self.step_seconds / self.steps
            eval_s = (self.eval_seconds if self.eval_seconds is not None
                      else per_step * self.eval_inputs / self.batch_size / 2)
            epoch_ends = sum(1 for k in range(1, self.schedule.total // self.steps_per_epoch + 1)
                             if step < k * self.steps_per_epoch < self.schedule.total)
            remaining = (self.budget_s - (time.monotonic() - self.started)
                         - eval_s * (1 + epoch_ends))
            fits = step + int(remaining / per_step)
            if fits < self.schedule.total:
                self.schedule.total = max(step, fits, self.schedule.warmup + 1)
                self.shortened = True
        return self.shortened and step >= self.schedule.total
