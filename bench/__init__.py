"""Benchmarks and their floors, run by ``preorder bench``, ``bench-api`` and ``bench-mail``.

They live beside the product, not in it: the wheel leaves this package out, and the commands work
from a checkout of the project. Each prints its figures beside a floor measured in the same run.
"""
