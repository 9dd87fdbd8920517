"""A text fitted into a box of the page: the largest font size from a maximum down to a
minimum on one line, then on two lines, then at the minimum cut with an ellipsis.
Nothing ever runs past the box.

Widths are fpdf2's own (get_string_width, from the font's glyph widths), the numbers
it draws with; they grow in proportion to the size, so one measure at size 1 tells
the size that fits."""

from dataclasses import dataclass
from math import floor

from fpdf import FPDF

STEP = 0.5  # font sizes are whole or half points
LEADING = 1.2  # a line's height, in font sizes
MM_PER_POINT = 25.4 / 72
ELLIPSIS = "…"


@dataclass(frozen=True)
class Fitted:
    size: float  # points
    lines: tuple[str, ...]

    @property
    def line_height(self) -> float:
        """In millimetres."""
        return line_height(self.size)

    @property
    def height(self) -> float:
        return self.line_height * len(self.lines)


def line_height(size: float) -> float:
    return size * LEADING * MM_PER_POINT


def _unit_width(pdf: FPDF, text: str) -> float:
    """The text's width at size 1 in the current font."""
    pdf.set_font_size(1)
    return pdf.get_string_width(text)


def _size_for(widths: list[float], width: float, biggest: float) -> float:
    """The largest size in STEPs, at most `biggest`, at which every one of these widths fits."""
    widest = max(widths)
    if widest <= 0:
        return biggest
    return min(biggest, floor(width / widest / STEP) * STEP)


def fit(pdf: FPDF, text: str, width: float, height: float, biggest: float, smallest: float, lines: int = 2) -> Fitted:
    """The text in the current font family and style, within width × height (mm): one line
    as large as it goes; else (with lines=2) split in two at the best place; else at the
    smallest size, as many words as fit on the first line and the rest cut with an ellipsis."""
    text = " ".join(text.split())
    tallest = floor(height / (LEADING * MM_PER_POINT) / STEP) * STEP  # one line's size that fits the height
    size = _size_for([_unit_width(pdf, text)], width, min(biggest, tallest))
    if size >= smallest or lines < 2:
        return _settled(pdf, Fitted(max(size, smallest), (text,)), width)
    first, second = _halves(pdf, text)
    if not second:
        return _settled(pdf, Fitted(smallest, (text,)), width)
    size = _size_for([_unit_width(pdf, first), _unit_width(pdf, second)], width, min(biggest, tallest / 2))
    if size >= smallest:
        return _settled(pdf, Fitted(size, (first, second)), width)
    pdf.set_font_size(smallest)
    first, rest = _fill(pdf, text, width)
    return _settled(pdf, Fitted(smallest, (first, rest) if rest else (first,)), width)


def _settled(pdf: FPDF, fitted: Fitted, width: float) -> Fitted:
    """The font left at the fitted size, and any line still too wide cut with an ellipsis."""
    pdf.set_font_size(fitted.size)
    return Fitted(fitted.size, tuple(ellipsized(pdf, line, width) for line in fitted.lines))


def _breaks(text: str) -> list[int]:
    """Where a line may end: after a space or a hyphen; in a single long word, after any character."""
    places = [i + 1 for i, char in enumerate(text[:-1]) if char in " -‐"]
    return places or list(range(1, len(text)))


def _halves(pdf: FPDF, text: str) -> tuple[str, str]:
    """Two lines whose wider one is as narrow as can be."""
    best = None
    for place in _breaks(text):
        first, second = text[:place].rstrip(), text[place:].lstrip()
        if not first or not second:
            continue
        wider = max(_unit_width(pdf, first), _unit_width(pdf, second))
        if best is None or wider < best[0]:
            best = (wider, first, second)
    return (best[1], best[2]) if best else (text, "")


def _fill(pdf: FPDF, text: str, width: float) -> tuple[str, str]:
    """As much of the text as fits the first line (at the current size), and the rest."""

    def fits(place: int) -> bool:
        return pdf.get_string_width(text[:place].rstrip()) <= width

    fitting = [place for place in _breaks(text) if fits(place)] or [p for p in range(1, len(text)) if fits(p)]
    if not fitting:
        return text, ""
    place = fitting[-1]
    return text[:place].rstrip(), text[place:].lstrip()


def ellipsized(pdf: FPDF, text: str, width: float) -> str:
    """The text, or its longest beginning followed by an ellipsis that fits the width (current font)."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
