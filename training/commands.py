"""CLI subcommands of the training half (registered without importing torch)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the training subcommands to the CLI."""
