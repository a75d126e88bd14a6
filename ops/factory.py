"""``ops.factory:app_from_env``: the app for a server that imports it by name.

``preorder serve --workers N`` hands uvicorn this import string (a factory), so that each
worker process builds its own app, ORM pool and metrics files; the README gives the same
string for running uvicorn or gunicorn directly.
"""

from __future__ import annotations

from starlette.applications import Starlette

from app import create_app
from ops.requests import configure_access_log
from settings import Settings


def app_from_env() -> Starlette:
    configure_access_log()
    return create_app(Settings.from_env())
