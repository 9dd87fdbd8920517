"""The dashboard's chart of registrations over time, drawn as inline SVG on the server.

Small on purpose: two lines over a time axis need no chart library, and the page
ships no script for it. The viewBox is sized so that its text stays readable
(about 11 px) on a 375 px phone, where the SVG is scaled to the page width."""

from collections.abc import Callable
from dataclasses import dataclass

from babel.dates import format_skeleton
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from community.core.clock import local_zone
from community.core.i18n import formatting_locale
from community.dashboard.timeline import Series

WIDTH, HEIGHT = 400, 230
# The fills of the ticket categories' bands, in the event's order (then again from the first).
BANDS = ("#c7d3f4", "#f3d19b", "#bfe3c6", "#e6c6ea", "#f2c1bd", "#cfd6df")
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 14, 44
FONT = 14


@dataclass(frozen=True)
class Frame:
    """Maps data to the plot area."""

    t0: float
    t1: float
    top: int

    def x(self, moment) -> float:
        span = self.t1 - self.t0
        share = (moment.timestamp() - self.t0) / span if span else 0.5
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: int) -> float:
        return round(HEIGHT - BOTTOM - value / self.top * (HEIGHT - TOP - BOTTOM), 1)


def nice_step(peak: int, ticks: int = 4) -> int:
    """1, 2, 5, 10, 20, 50 ... so that `ticks` steps cover the peak."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor * ticks >= peak:
                return step * factor
        step *= 10


def label(moment, unit: str) -> list[str]:
    """A date (and an hour, for hourly charts) in the community's zone and the reader's language."""
    local = moment.astimezone(local_zone())
    locale = formatting_locale()
    day = format_skeleton("MMMd", local, locale=locale)
    return [day, format_skeleton("Hm", local, locale=locale)] if unit == "hour" else [day]


def _text(x, y, lines, anchor="middle", css="axis") -> str:
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else FONT + 1}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}" class="{css}" font-size="{FONT}">{spans}</text>'


def _axes(frame: Frame, step: int, series: Series) -> list[str]:
    parts = []
    for value in range(0, frame.top + 1, step):
        y = frame.y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" class="grid" stroke="#d9dde4" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + FONT / 3, [str(value)], anchor="end"))
    moments = [series.start] + [t for t, _c, _w in series.points]
    # Three dates fit a phone: the first, the middle and the last.
    picked = sorted({0, len(moments) // 2, len(moments) - 1}) if len(moments) > 2 else [0, len(moments) - 1]
    for n, index in enumerate(picked):
        anchor = "start" if n == 0 else "end" if n == len(picked) - 1 else "middle"
        parts.append(
            _text(frame.x(moments[index]), HEIGHT - BOTTOM + FONT + 6, label(moments[index], series.unit), anchor)
        )
    return parts


def _polyline(frame: Frame, xy, css: str, colour: str, dash: str = "") -> str:
    points = " ".join(f"{frame.x(t)},{frame.y(v)}" for t, v in xy)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{points}" class="{css}" fill="none" stroke="{colour}"'
        f' stroke-width="3" stroke-linejoin="round"{dashes}/>'
    )


def render(
    series: Series,
    *,
    capacity: int | None = None,
    name_of: Callable[[int], str] = str,
    chart_id: str = "registrations-chart",
) -> Markup:
    """The SVG, titled and described for screen readers; empty Markup when there is nothing to draw.

    With several categories (`name_of`: a category's name from its id), the confirmed are drawn as
    one band per category, stacked in the event's order, under the line of their total."""
    if not series.points:
        return Markup("")
    peak = max(series.peak, capacity or 0, 1)
    step = nice_step(peak)
    frame = Frame(series.start.timestamp(), series.points[-1][0].timestamp(), step * -(-peak // step))
    confirmed = [(series.start, 0)] + [(t, c) for t, c, _w in series.points]
    waiting = [(series.start, 0)] + [(t, w) for t, _c, w in series.points]
    last_t, last_c, last_w = series.points[-1]
    area = (
        f"M{frame.x(series.start)},{frame.y(0)} "
        + " ".join(f"L{frame.x(t)},{frame.y(v)}" for t, v in confirmed)
        + f" L{frame.x(last_t)},{frame.y(0)} Z"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'class="reg-chart" id="{chart_id}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(_l("Registrations over time"))}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(series, name_of))}</desc>',
        *_axes(frame, step, series),
    ]
    if series.categories:
        parts.extend(_bands(frame, series))
    else:
        parts.append(f'<path d="{area}" class="confirmed-area" fill="#eef2fb" stroke="none"/>')
    if capacity:
        y = frame.y(capacity)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" class="capacity"'
            ' stroke="#5a6372" stroke-width="1.5" stroke-dasharray="2 4"/>'
        )
        # At the left, where the lines start low: at the right they would meet a full event's line.
        parts.append(_text(LEFT + 6, y - 5, [_l("Capacity %(n)d", n=capacity)], anchor="start", css="capacity-label"))
    parts.append(_polyline(frame, confirmed, "confirmed", "#2a4bb0"))
    if any(w for _t, w in waiting):
        parts.append(_polyline(frame, waiting, "waiting", "#b07000", dash="7 4"))
    parts.append(f'<circle cx="{frame.x(last_t)}" cy="{frame.y(last_c)}" r="4" fill="#2a4bb0"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def band_colour(index: int) -> str:
    return BANDS[index % len(BANDS)]


def _bands(frame: Frame, series: Series) -> list[str]:
    """One filled band per category: between the sum of those below it and that sum plus its own."""
    moments = [series.start] + [t for t, _c, _w in series.points]
    stacks = [(0,) * len(series.categories)] + series.by_category
    parts, below = [], [0] * len(moments)
    for index, category_id in enumerate(series.categories):
        above = [base + stack[index] for base, stack in zip(below, stacks)]
        edge = [f"{frame.x(t)},{frame.y(v)}" for t, v in zip(moments, above)]
        back = [f"{frame.x(t)},{frame.y(v)}" for t, v in reversed(list(zip(moments, below)))]
        parts.append(
            f'<polygon points="{" ".join(edge + back)}" class="band" data-category="{category_id}" '
            f'fill="{band_colour(index)}" stroke="#ffffff" stroke-width="0.5"/>'
        )
        below = above
    return parts


def describe(series: Series, name_of: Callable[[int], str] = str) -> str:
    """What the chart shows, in one sentence (its <desc>), with each category's confirmed when there are several."""
    last_t, confirmed, waiting = series.points[-1]
    when = " ".join(label(last_t, series.unit))
    first = " ".join(label(series.start, series.unit))
    sentence = str(
        _l(
            "From %(first)s to %(last)s: %(confirmed)d confirmed and %(waiting)d waiting at the end.",
            first=first,
            last=when,
            confirmed=confirmed,
            waiting=waiting,
        )
    )
    if not series.categories:
        return sentence
    split = ", ".join(
        f"{name_of(category_id)} {n}" for category_id, n in zip(series.categories, series.by_category[-1])
    )
    by_category = _l("By category: %(split)s.", split=split)
    return f"{sentence} {by_category}"
