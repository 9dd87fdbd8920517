"""A category's colour (#rrggbb) on paper, and the text that stays readable on it."""


def rgb(colour: str) -> tuple[int, int, int]:
    """#1f6feb -> (31, 111, 235); anything unreadable prints grey rather than failing."""
    try:
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
    except (TypeError, ValueError):
        return (110, 119, 129)


def _luminance(colour: str) -> float:
    """WCAG's relative luminance, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_on(colour: str) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with the colour."""
    luminance = _luminance(colour)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return (255, 255, 255) if on_white >= on_black else (0, 0, 0)
