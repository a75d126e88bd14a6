"""``python -m tests.live_app PORT``: the service under uvicorn, configured from the environment
(the tests point DATABASE_URL at their own database and set the rate limits they test)."""

from __future__ import annotations

import sys

import uvicorn

from app import create_app
from settings import Settings

if __name__ == "__main__":
    uvicorn.run(
        create_app(Settings.from_env()),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
    )
