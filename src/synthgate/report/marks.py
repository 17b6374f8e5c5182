"""Small marks drawn without matplotlib: verdict badges, number formatting, colours, and hand-written SVG
for "value beside its honest band" (the ``reference`` plot kind and each measurement's position glyph)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from markupsafe import Markup, escape

MAX_ROWS = 50   # table: rows shown
MAX_ITEMS = 20  # reference: rows drawn (specs put the ones that matter first)

# Okabe-Ito, colour-blind safe; the data roles keep one colour across every plot of every report.
ROLE_COLOURS = {"real": "#0072B2", "holdout": "#7f7f7f", "synthetic": "#D55E00", "fresh": "#009E73",
                "honest": "#7f7f7f", "reference": "#7f7f7f"}
_OTHER_COLOURS = ("#CC79A7", "#E69F00", "#56B4E9", "#000000", "#009E73", "#0072B2", "#D55E00")

# Text and a symbol for every verdict: never colour alone.
VERDICT_LABELS = {"pass": ("✓", "PASS"), "warn": ("!", "WARN"), "fail": ("✗", "FAIL"),
                  "inconclusive": ("?", "INCONCLUSIVE"), "skipped": ("–", "SKIPPED"), "error": ("⚠", "ERROR")}
VERDICT_COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "inconclusive": "#8250df",
                   "skipped": "#6e7781", "error": "#82071e"}


@dataclass
class Drawn:
    """What a plot kind produced: an HTML fragment and notes for its caption (e.g. what was left out)."""

    html: Markup
    notes: list[str] = field(default_factory=list)


class Ids:
    """Unique id prefixes for the SVGs of one HTML page (inline SVG ids share the document's namespace)."""

    def __init__(self, prefix: str = "") -> None:
        self.count = 0
        self.prefix = prefix

    def next(self) -> str:
        self.count += 1
        return f"{self.prefix}f{self.count}"



def is_number(x: Any) -> bool:
    """A JSON number or null (a missing value)."""
    return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))


def colour_for(name: str, index: int) -> str:
    return ROLE_COLOURS.get(str(name).lower(), _OTHER_COLOURS[index % len(_OTHER_COLOURS)])


def is_verdict(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in VERDICT_LABELS


def fmt(x: Any, digits: int = 4) -> str:
    """A number for people: 4 significant digits, '—' when missing; text passes through."""
    if x is None:
        return "—"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10_000 else str(x)
    if not math.isfinite(x):
        return "—" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    return f"{x:.{digits}g}"


def verdict_badge(verdict: str, *, cell: bool = True, text: str | None = None) -> Markup:
    key = str(verdict).lower()
    symbol, label = VERDICT_LABELS[key]
    badge = Markup('<span class="badge v-{}"><span aria-hidden="true">{}</span> {}</span>').format(
        key, symbol, text or label)
    return Markup('<td class="verdict">{}</td>').format(badge) if cell else badge


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _domain(items: Iterable[dict]) -> tuple[float, float]:
    xs = [float(v) for item in items for k in ("value", "reference", "low", "high", "limit", "limit_low")
          if (v := item.get(k)) is not None and math.isfinite(float(v))]
    if not xs:
        return 0.0, 1.0
    low, high = min(xs), max(xs)
    if low >= 0 and low < 0.35 * high:  # rates and distances: show the zero they are measured from
        low = 0.0
    pad = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
    return low - (pad if low != 0 else 0), high + pad


def _band(item: dict, x: Any, y: float, h: float) -> list[str]:
    """Band rectangle (or a single edge), honest centre tick, fail limit, and the value dot."""
    parts, low, high = [], item.get("low"), item.get("high")
    if low is not None and high is not None:
        parts.append(f'<rect x="{x(low):.1f}" y="{y - h / 2:.1f}" width="{max(x(high) - x(low), 1.5):.1f}" '
                     f'height="{h:.1f}" rx="2" class="band"/>')
    for edge in (low, high) if (low is None) != (high is None) else ():
        if edge is not None:
            parts.append(f'<rect x="{x(edge) - 1.5:.1f}" y="{y - h / 2:.1f}" width="3" height="{h:.1f}" class="band-edge"/>')
    if item.get("reference") is not None:
        parts.append(f'<line x1="{x(item["reference"]):.1f}" x2="{x(item["reference"]):.1f}" y1="{y - h / 2 - 2:.1f}" '
                     f'y2="{y + h / 2 + 2:.1f}" class="centre"/>')
    for key in ("limit", "limit_low"):  # limit_low: the lower fail limit of a two-sided ("either") rule
        if item.get(key) is not None:
            parts.append(f'<line x1="{x(item[key]):.1f}" x2="{x(item[key]):.1f}" y1="{y - h / 2 - 3:.1f}" '
                         f'y2="{y + h / 2 + 3:.1f}" class="limit"/>')
    value = item.get("value")
    if value is not None and math.isfinite(float(value)):
        verdict = str(item.get("verdict", "")).lower()
        colour = VERDICT_COLOURS.get(verdict, ROLE_COLOURS["synthetic"])
        shape = ({"fail": "M-5,-5L5,5M-5,5L5,-5", "warn": "M0,-6L6,5L-6,5Z"}.get(verdict))
        cx = x(value)
        if shape and verdict == "fail":
            parts.append(f'<path d="{shape}" transform="translate({cx:.1f},{y:.1f})" stroke="{colour}" '
                         f'stroke-width="2.6" fill="none"/>')
        elif shape:
            parts.append(f'<path d="{shape}" transform="translate({cx:.1f},{y:.1f})" fill="{colour}"/>')
        else:
            parts.append(f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="5" fill="{colour}" stroke="#fff" stroke-width="1"/>')
    return parts


def _describe(item: dict) -> str:
    text = f"value {fmt(item.get('value'))}"
    if item.get("reference") is not None:
        text += f", honest {fmt(item['reference'])}"
    if item.get("low") is not None or item.get("high") is not None:
        text += f", honest band [{fmt(item.get('low'))}, {fmt(item.get('high'))}]"
    if item.get("limit") is not None:
        text += f", fail limit {fmt(item['limit'])}"
    if item.get("verdict"):
        text += f", {item['verdict']}"
    return text


def _describe_all(items: list[dict]) -> str:
    return "; ".join(f"{item['label']}: {_describe(item)}" for item in items)


def reference_rows(spec: dict, items: list[dict], prefix: str) -> Markup:
    """The ``reference`` kind: one row per item, its value against the honest band on a shared axis."""
    longest = max(len(str(item["label"])) for item in items)
    row, label_w, width, top = 22, int(min(260, 14 + 6.8 * min(longest, 34))), 680, 8
    lo, hi = _domain(items)
    scale = lambda v: label_w + 10 + (float(v) - lo) / ((hi - lo) or 1) * (width - label_w - 30)  # noqa: E731
    axis_y = top + row * len(items)
    height = axis_y + 18 + (18 if spec.get("xlabel") else 0) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="plot reference" '
             f'role="img" aria-labelledby="{prefix}-t {prefix}-d">',
             f'<title id="{prefix}-t">{escape(spec["title"])}</title>',
             f'<desc id="{prefix}-d">{escape(spec.get("description") or _describe_all(items))}</desc>']
    for t in _ticks(lo, hi):
        parts.append(f'<line x1="{scale(t):.1f}" x2="{scale(t):.1f}" y1="{top - 4}" y2="{axis_y}" class="grid"/>'
                     f'<text x="{scale(t):.1f}" y="{axis_y + 14}" class="tick">{fmt(t, 3)}</text>')
    for i, item in enumerate(items):
        y = top + row * i + row / 2
        label = str(item["label"])
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<g><title>{escape(label)}: {escape(_describe(item))}</title>'
                     f'<text x="{label_w}" y="{y + 4:.1f}" class="label">{escape(short)}</text>')
        parts += _band(item, scale, y, 12)
        parts.append("</g>")
    if spec.get("xlabel"):
        parts.append(f'<text x="{(label_w + width) / 2:.0f}" y="{axis_y + 32}" class="axis">{escape(spec["xlabel"])}</text>')
    parts.append(_legend(items, 4, height - 4))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(items: list[dict], x: float, y: float) -> str:
    keys = []
    if any(i.get("low") is not None and i.get("high") is not None for i in items):
        keys.append(f'<rect x="{{x}}" y="{y - 8}" width="14" height="9" class="band"/>'
                    f'<text x="{{t}}" y="{y}" class="key">honest band</text>')
    elif any(i.get("low") is not None or i.get("high") is not None for i in items):
        keys.append(f'<rect x="{{x}}" y="{y - 9}" width="3" height="10" class="band-edge"/>'
                    f'<text x="{{t}}" y="{y}" class="key">honest bound</text>')
    if any(i.get("reference") is not None for i in items):
        keys.append(f'<line x1="{{m}}" x2="{{m}}" y1="{y - 10}" y2="{y + 1}" class="centre"/>'
                    f'<text x="{{t}}" y="{y}" class="key">honest value</text>')
    if any(i.get("limit") is not None for i in items):
        keys.append(f'<line x1="{{m}}" x2="{{m}}" y1="{y - 10}" y2="{y + 1}" class="limit"/>'
                    f'<text x="{{t}}" y="{y}" class="key">fail limit</text>')
    keys.append(f'<circle cx="{{m}}" cy="{y - 4}" r="4.5" fill="{ROLE_COLOURS["synthetic"]}"/>'
                f'<text x="{{t}}" y="{y}" class="key">value (✗ fail, ▲ warn)</text>')
    out = []
    for key in keys:
        out.append(key.format(x=x, m=x + 7, t=x + 18))
        x += 150
    return "".join(out)


def position_glyph(item: dict) -> Markup:
    """A measurement's value against its honest band and fail limit, small enough for a table cell."""
    width, height = 170, 26
    lo, hi = _domain([item])
    scale = lambda v: 8 + (float(v) - lo) / ((hi - lo) or 1) * (width - 16)  # noqa: E731
    description = escape(_describe(item))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="glyph" role="img" '
             f'aria-label="{description}"><title>{description}</title>',
             f'<line x1="4" x2="{width - 4}" y1="{height / 2}" y2="{height / 2}" class="axis-line"/>']
    parts += _band(item, scale, height / 2, 10)
    parts.append("</svg>")
    return Markup("".join(parts))


def draw_table(spec: dict, ids: Ids) -> Drawn:
    rows = spec["rows"][:MAX_ROWS]
    notes = [f"first {MAX_ROWS} of {len(spec['rows'])} rows (all are in report.json)"] \
        if len(spec["rows"]) > MAX_ROWS else []
    verdict_col = [str(c).lower() == "verdict" for c in spec["columns"]]
    numeric = [all(is_number(row[j]) for row in rows) for j in range(len(spec["columns"]))]
    head = Markup("").join(Markup('<th scope="col"{}>{}</th>').format(Markup(' class="num"') if num else "", c)
                           for c, num in zip(spec["columns"], numeric))
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(
            verdict_badge(cell) if in_verdict_column and is_verdict(cell)
            else Markup('<td class="num">{}</td>').format(fmt(cell)) if is_number(cell) and cell is not None
            else Markup("<td>{}</td>").format("—" if cell is None else cell)
            for cell, in_verdict_column in zip(row, verdict_col)))
        for row in rows)
    html = Markup('<div class="table-wrap"><table class="data"><caption>{}</caption><thead><tr>{}</tr></thead>'
                  "<tbody>{}</tbody></table></div>").format(spec["title"], head, body)
    return Drawn(html, notes)


def draw_reference(spec: dict, ids: Ids) -> Drawn:
    items = spec["items"][:MAX_ITEMS]
    notes = [f"first {MAX_ITEMS} of {len(spec['items'])} items"] if len(spec["items"]) > MAX_ITEMS else []
    return Drawn(reference_rows(spec, items, ids.next()), notes)
