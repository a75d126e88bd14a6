"""The import rules of ARCHITECTURE.md, enforced by import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def test_imports_point_down_only() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (found,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == name]
    return found


def test_every_context_is_a_layer_of_the_contexts_order() -> None:
    contract = _contract("The contexts import downwards only")
    layered = {module.strip() for layer in contract["layers"] for module in layer.split("|")}
    contexts = {
        f"domain.{path.name}"
        for path in (ROOT / "domain").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert contexts == layered


def test_no_context_imports_upwards() -> None:
    # No exception to the contexts' order: a use case that must reach up (a receipt filling the
    # queue) lives in the context above, and the rules it shares live below (domain.promises).
    contract = _contract("The contexts import downwards only")
    assert contract.get("ignore_imports", []) == []
