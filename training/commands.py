"""CLI subcommands of the training half (registered without importing torch)."""

from __future__ import annotations

import argparse
from importlib import import_module

#: Modules with a ``register(subparsers)`` function: one per group of subcommands.
_REGISTRARS = ("newsstance.training.train_cli", "newsstance.training.evaluate_cli")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the training subcommands to the CLI (modules not yet written are skipped)."""
    for name in _REGISTRARS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
