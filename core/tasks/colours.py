"""One colour per class, the same on every page and every run."""

from __future__ import annotations

import hashlib

from plotly.colors import hex_to_rgb, qualitative

# The app's accent, as the theme's `primaryColor` (.streamlit/config.toml): bars, lines and frames
# drawn in it reach 5.2:1 against white (WCAG asks 3:1 for graphics, 4.5:1 for text on it).
ACCENT = "#c2410c"

# Green-Armytage's 26 colours of maximum contrast, as Plotly ships them.
PALETTE: tuple[str, ...] = tuple(qualitative.Alphabet)


def label_colour(label: str) -> str:
    """A colour picked from the palette by a hash of the class name."""
    digest = hashlib.md5(label.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def rgb(colour: str) -> tuple[int, int, int]:
    """ "#rrggbb" to (r, g, b)."""
    return tuple(hex_to_rgb(colour))
