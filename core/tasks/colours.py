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


def luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of "#rrggbb", 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (a label on a box of its class)."""
    return max(("#000000", "#ffffff"), key=lambda text: contrast(text, colour))
