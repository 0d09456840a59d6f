"""One colour per class, the same on every page and every run."""

from __future__ import annotations

import hashlib

PALETTE = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
    "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000",
    "#ffd8b1", "#000075", "#a9a9a9", "#ffe119",
)  # fmt: skip


def label_colour(label: str) -> str:
    """A colour picked from the palette by a hash of the class name."""
    digest = hashlib.md5(label.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def rgb(colour: str) -> tuple[int, int, int]:
    """ "#rrggbb" to (r, g, b)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
