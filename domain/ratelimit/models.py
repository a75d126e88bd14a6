"""One row per limited key: when its bucket would be empty again (GCRA's theoretical arrival)."""

from tortoise import fields
from tortoise.models import Model


class RateLimit(Model):
    bucket = fields.CharField(max_length=100, primary_key=True)  # name and a hash of the key
    tat = fields.FloatField()  # Unix seconds; a row in the past is the same as no row

    class Meta:
        table = "rate_limit"
