"""The record of scheduled work (``JobRun``): one row per job and period that ran to the end."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class JobRun(Model):
    """One run of a scheduled job for one period.

    The period is a store day (``2027-03-01``). The row is written in the transaction that did
    the work: a run that failed or crashed leaves no row, so the period is retried.
    """

    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=40)
    period = fields.CharField(max_length=32)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField()
    summary: Any = fields.JSONField(default=dict)  # what it changed: {"lines_moved": 3, ...}
    runner = fields.CharField(max_length=200, default="")  # host and process, for staff

    class Meta:
        table = "job_run"
        unique_together = (("job", "period"),)
