"""Argument helpers shared by the command-line entry points (pure: argparse only)."""

from __future__ import annotations

import argparse


def add_overrides(p: argparse.ArgumentParser, help: str) -> None:
    """`--set KEY=VALUE` (repeatable), collected in `args.overrides`."""
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help)
