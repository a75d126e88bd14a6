"""Write the SDL to api/schema.graphql: ``python -m api.export_schema`` (a test checks it)."""

from __future__ import annotations

from pathlib import Path

from api.schema import schema

SDL = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    return str(schema).rstrip() + "\n"


def main() -> None:
    SDL.write_text(sdl())


if __name__ == "__main__":
    main()
