"""Matplotlib drawings of the plot kinds ``bars``, ``histogram``, ``lines``, ``scatter`` and ``heatmap``.

Drawn with ``matplotlib.figure.Figure`` and the SVG canvas directly: pyplot and the global backend are
never touched, and style settings are scoped to each drawing (``rc_context``), so importing or rendering
changes nothing for other matplotlib users. The SVG is inlined: text stays text (``svg.fonttype: none``),
ids are prefixed per page, coordinates rounded, and ``<title>``/``<desc>`` make it accessible.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any, Callable

from markupsafe import Markup, escape

from synthgate.report.marks import Drawn, Ids, colour_for, fmt

MAX_LABELS = 30        # bars: labels drawn (those with the widest spread between series)

MAX_POINTS = 1500      # scatter: points per series (evenly strided)

MAX_LINE_POINTS = 400  # lines: x positions (evenly strided)

MAX_BINS = 200         # histogram

MAX_CELLS = 60         # heatmap: rows and columns each

_RC = {"svg.fonttype": "none", "svg.hashsalt": "synthgate", "font.family": "sans-serif",
       "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"], "font.size": 9,
       "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#8c959f",
       "axes.labelcolor": "#24292f", "xtick.color": "#57606a", "ytick.color": "#57606a",
       "axes.titlesize": 10, "axes.titleweight": "bold", "legend.frameon": False, "legend.fontsize": 8,
       "axes.grid": True, "grid.color": "#d0d7de", "grid.linewidth": 0.6, "axes.axisbelow": True}


# --- matplotlib plumbing --------------------------------------------------------------------------------


def _figure(spec: dict, ids: Ids, build: Callable[[Any], list[str]], *, width: float = 5.4,
            height: float = 3.0) -> Drawn:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height), dpi=110)
        notes = build(fig)
        buffer = io.StringIO()
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None})
    return Drawn(_clean_svg(buffer.getvalue(), spec, ids.next()), notes)


_EM = 0.62  # average advance of a DejaVu Sans glyph in em, generous: a clipped label is worse than space
_SIZE = 9   # tick label size in pt (_RC font.size)


def _tick_texts(axis: Any) -> list[str]:
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * (high - low)
    locs = [v for v in axis.get_major_locator()() if low - slack <= v <= high + slack]
    return [t for t in axis.get_major_formatter().format_ticks(locs)]


def _extent(texts: list[str], rotation: float) -> tuple[float, float]:
    """(width, height) in pt of the longest label, rotated."""
    longest = max((len(t) for t in texts), default=0) * _EM * _SIZE
    turn = math.radians(rotation)
    return longest * math.cos(turn) + _SIZE * math.sin(turn), longest * math.sin(turn) + _SIZE * math.cos(turn)


def _fit(fig: Any, ax: Any, *, right_extra: float = 0.0) -> None:
    """Margins from the labels' estimated sizes: a fixed layout, about twice as fast as "constrained"
    (which measures every text by drawing the figure once more)."""
    width, height = fig.get_size_inches() * 72
    ticks = ax.get_xticklabels()
    rotation = ticks[0].get_rotation() if ticks else 0.0
    x_w, x_h = _extent(_tick_texts(ax.xaxis), rotation)
    y_w, _ = _extent(_tick_texts(ax.yaxis), 0)
    label = _SIZE * 1.25 + 4
    left = 10 + y_w + (label if ax.get_ylabel() else 0)
    if rotation:  # right-aligned rotated labels reach left of the first tick
        left = max(left, 0.85 * x_w)
    bottom = 10 + x_h + (label if ax.get_xlabel() else 0)
    legend = ax.get_legend()
    rows = math.ceil(len(legend.get_texts()) / legend._ncols) if legend else 0
    top = 8 + rows * 13 + (4 if rows else 0)
    fig.subplots_adjust(left=min(left / width, 0.5), right=1 - (14 + right_extra) / width,
                        bottom=min(bottom / height, 0.6), top=1 - top / height)


_NUMBER = re.compile(r"(-?\d+\.\d\d)\d+")


def _clean_svg(svg: str, spec: dict, prefix: str) -> Markup:
    """Inline-ready SVG: no prolog, no metadata, unique ids, rounded coordinates, a <title> and <desc>."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'<style type="text/css">.*?</style>', "", svg, flags=re.S)
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r' id="([^"]+)"', lambda m: f' id="{prefix}-{m[1]}"' if m[1] in referenced else "", svg)
    svg = re.sub(r'(url\(#|href="#)', rf"\g<1>{prefix}-", svg)
    svg = _NUMBER.sub(r"\1", svg)
    svg = re.sub(r"\s*\n(?=[LMCQz\"])", " ", svg)
    svg = re.sub(r">\s+<", "><", re.sub(r"<defs>\s*</defs>", "", svg))
    title = escape(spec["title"])
    desc = escape(spec.get("description") or _auto_description(spec))
    svg = re.sub(r'<svg [^>]*?(viewBox="[^"]+")[^>]*>',
                 lambda m: (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                            f'{m[1]} class="plot" role="img" aria-labelledby="{prefix}-t {prefix}-d">'
                            f'<title id="{prefix}-t">{title}</title><desc id="{prefix}-d">{desc}</desc>'),
                 svg, count=1)
    return Markup(svg.strip())


def _auto_description(spec: dict) -> str:
    series = ", ".join(spec.get("series", {}) or [])
    return f"{spec['plot']} plot" + (f" of {series}" if series else "")


def _style_axes(ax: Any, spec: dict, *, legend: bool = True) -> None:
    if spec.get("xlabel"):
        ax.set_xlabel(spec["xlabel"])
    if spec.get("ylabel"):
        ax.set_ylabel(spec["ylabel"])
    if spec.get("log_y"):
        ax.set_yscale("symlog", linthresh=1e-4)
    for mark in spec.get("marks", []):
        if "x" in mark:
            ax.axvline(mark["x"], color="#cf222e", linestyle="--", linewidth=1, label=mark.get("label"))
        else:
            ax.axhline(mark["y"], color="#cf222e", linestyle="--", linewidth=1, label=mark.get("label"))
    handles, labels = ax.get_legend_handles_labels()
    if legend and handles:  # above the plot, never over the data
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(handles), 4), borderaxespad=0.3,
                  handlelength=1.5, columnspacing=1.2)


def _values(values: list) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _stride(n: int, cap: int) -> list[int]:
    if n <= cap:
        return list(range(n))
    step = (n - 1) / (cap - 1)
    return sorted({round(i * step) for i in range(cap)})


# --- the kinds ------------------------------------------------------------------------------------------


def draw_bars(spec: dict, ids: Ids) -> Drawn:
    labels = [str(x) for x in spec["labels"]]
    series = {name: _values(v) for name, v in spec["series"].items()}
    keep = [i for i in range(len(labels)) if any(not math.isnan(s[i]) and s[i] != 0 for s in series.values())]
    kept = set(keep)
    empty = [labels[i] for i in range(len(labels)) if i not in kept]
    notes = [f"not shown, empty in every series: {', '.join(empty[:5])}{' …' if len(empty) > 5 else ''}"] \
        if empty else []
    keep = keep or [0]
    if len(keep) > MAX_LABELS:
        spread = {i: max((s[i] for s in series.values() if not math.isnan(s[i])), default=0)
                  - min((s[i] for s in series.values() if not math.isnan(s[i])), default=0) for i in keep}
        notes.append(f"showing the {MAX_LABELS} of {len(keep)} labels where the series differ most")
        keep = sorted(sorted(keep, key=lambda i: -spread[i])[:MAX_LABELS])
    labels = [labels[i] for i in keep]
    highlight = {str(x) for x in spec.get("highlight", [])}
    horizontal = len(labels) > 12 or max(len(x) for x in labels) > 14
    width = 0.8 / len(series)

    def build(fig: Any) -> list[str]:
        from matplotlib.collections import PolyCollection

        ax = fig.add_subplot()
        for j, (name, values) in enumerate(series.items()):
            # One collection per series, not one Rectangle artist per bar: several times faster to draw.
            boxes = []
            for i, k in enumerate(keep):
                if not math.isnan(values[k]):
                    a, b, v = i - 0.4 + width * j, i - 0.4 + width * (j + 1), values[k]
                    box = [(a, 0), (a, v), (b, v), (b, 0)]
                    boxes.append([(y, x) for x, y in box] if horizontal else box)
            bars = PolyCollection(boxes, facecolors=colour_for(name, j), linewidths=0, label=name,
                                  alpha=0.55 if name == "holdout" else 0.95)
            (bars.sticky_edges.x if horizontal else bars.sticky_edges.y).append(0)  # bars start at 0
            ax.add_collection(bars)
        ax.autoscale_view()
        (ax.set_ylim if horizontal else ax.set_xlim)(-0.6, len(labels) - 0.4)
        if horizontal:
            ax.set_yticks(range(len(labels)), labels)
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            ticks = ax.get_yticklabels()
        else:
            ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 5 else 0,
                          ha="right" if len(labels) > 5 else "center")
            ax.grid(axis="x", visible=False)
            ticks = ax.get_xticklabels()
        for tick in ticks:
            if tick.get_text() in highlight:
                tick.set_fontweight("bold")
                tick.set_color("#cf222e")
        value_marks = [{"x" if horizontal else "y": m["y"], "label": m.get("label")} for m in spec.get("marks", [])]
        _style_axes(ax, {**spec, "marks": value_marks, "xlabel": spec.get("ylabel") if horizontal else
                         spec.get("xlabel"), "ylabel": spec.get("xlabel") if horizontal else spec.get("ylabel")})
        _fit(fig, ax)
        return notes

    height = 1.3 + 0.2 * len(labels) * max(1, len(series) * 0.5) if horizontal else 3.0
    return _figure(spec, ids, build, height=min(height, 9.0))


def draw_histogram(spec: dict, ids: Ids) -> Drawn:
    bins = [float(b) for b in spec["bins"]]
    notes = []
    series = {name: _values(v) for name, v in spec["series"].items()}
    if len(bins) - 1 > MAX_BINS:  # merge neighbouring bins: sums keep shares and counts meaningful
        factor = math.ceil((len(bins) - 1) / MAX_BINS)
        series = {name: [sum(x for x in v[i:i + factor] if not math.isnan(x)) for i in range(0, len(v), factor)]
                  for name, v in series.items()}
        bins = bins[::factor] + ([bins[-1]] if (len(bins) - 1) % factor else [])
        notes.append(f"neighbouring bins merged by {factor}")

    def build(fig: Any) -> list[str]:
        ax = fig.add_subplot()
        for j, (name, values) in enumerate(series.items()):
            colour = colour_for(name, j)
            ax.stairs([0 if math.isnan(v) else v for v in values], bins, label=name, color=colour,
                      linewidth=1.6, fill=j == 0, alpha=0.25 if j == 0 else 1)
            if j == 0:
                ax.stairs([0 if math.isnan(v) else v for v in values], bins, color=colour, linewidth=1.6)
        _style_axes(ax, {"ylabel": "share", **spec})
        _fit(fig, ax)
        return notes

    return _figure(spec, ids, build)


def draw_lines(spec: dict, ids: Ids) -> Drawn:
    keep = _stride(len(spec["x"]), MAX_LINE_POINTS)
    notes = [f"every {len(spec['x']) / len(keep):.3g}th of {len(spec['x'])} points"] if len(keep) < len(spec["x"]) else []
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec["x"])
    x = [spec["x"][i] if numeric else i for i in keep]
    names = list(spec["series"])

    def build(fig: Any) -> list[str]:
        ax = fig.add_subplot()
        for name, band in (spec.get("bands") or {}).items():
            j = names.index(name) if name in names else len(names)
            low, high = _values(band["low"]), _values(band["high"])
            ax.fill_between(x, [low[i] for i in keep], [high[i] for i in keep], color=colour_for(name, j),
                            alpha=0.18, linewidth=0, label=f"{name} band")
        for j, name in enumerate(names):
            values = _values(spec["series"][name])
            ax.plot(x, [values[i] for i in keep], color=colour_for(name, j), label=name, linewidth=1.8,
                    marker="o" if len(keep) <= 30 else None, markersize=3.5)
        if not numeric:
            ticks = _stride(len(keep), 12)
            ax.set_xticks([x[i] for i in ticks], [str(spec["x"][keep[i]]) for i in ticks], rotation=30, ha="right")
        _style_axes(ax, spec)
        _fit(fig, ax)
        return notes

    return _figure(spec, ids, build)


def draw_scatter(spec: dict, ids: Ids) -> Drawn:
    notes = []

    def build(fig: Any) -> list[str]:
        ax = fig.add_subplot()
        for j, (name, points) in enumerate(spec["series"].items()):
            keep = _stride(len(points["x"]), MAX_POINTS)
            if len(keep) < len(points["x"]):
                notes.append(f"{name}: {len(keep)} of {len(points['x'])} points")
            xs, ys = _values(points["x"]), _values(points["y"])
            ax.scatter([xs[i] for i in keep], [ys[i] for i in keep],
                       s=7, alpha=0.45, color=colour_for(name, j), label=name, linewidths=0,
                       marker="os^Dv"[j % 5], rasterized=True)  # points as one small image, not 1000s of paths
        _style_axes(ax, spec)
        _fit(fig, ax)
        return notes

    return _figure(spec, ids, build, height=3.4)


def draw_heatmap(spec: dict, ids: Ids) -> Drawn:
    import numpy as np

    x_keep, y_keep = _stride(len(spec["x"]), MAX_CELLS), _stride(len(spec["y"]), MAX_CELLS)
    notes = [f"{len(y_keep)} × {len(x_keep)} of {len(spec['y'])} × {len(spec['x'])} cells"] \
        if len(x_keep) < len(spec["x"]) or len(y_keep) < len(spec["y"]) else []
    grid = np.array([[_values(spec["values"][i])[j] for j in x_keep] for i in y_keep], dtype=float)
    centre = spec.get("center")

    def build(fig: Any) -> list[str]:
        ax = fig.add_subplot()
        finite = grid[np.isfinite(grid)]
        if centre is not None:
            span = float(np.max(np.abs(finite - centre))) if finite.size else 1.0
            image = ax.imshow(grid, cmap="RdBu_r", vmin=centre - span, vmax=centre + span, aspect="auto")
        else:
            image = ax.imshow(grid, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(x_keep)), [str(spec["x"][j]) for j in x_keep], rotation=40, ha="right")
        ax.set_yticks(range(len(y_keep)), [str(spec["y"][i]) for i in y_keep])
        ax.grid(False)
        if grid.size <= 144:
            top = float(np.max(np.abs(finite))) if finite.size else 0.0
            for (i, j), v in np.ndenumerate(grid):
                if not math.isfinite(v):
                    ax.text(j, i, "n/a", ha="center", va="center", fontsize=8, color="#59636e")
                    continue
                rgb = image.cmap(image.norm(v))
                dark = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 0.5
                ax.text(j, i, f"{v:.2f}" if 0.01 <= top < 100 else fmt(v, 2), ha="center", va="center",
                        fontsize=8, color="white" if dark else "#24292f")
        _style_axes(ax, spec, legend=False)
        scale_w, _ = _extent([fmt(v, 2) for v in (image.norm.vmin, image.norm.vmax)], 0)
        _fit(fig, ax, right_extra=30 + scale_w + (16 if spec.get("zlabel") else 0))
        box, (width, _) = ax.get_position(), fig.get_size_inches() * 72
        bar = fig.colorbar(image, cax=fig.add_axes((box.x1 + 10 / width, box.y0, 9 / width, box.height)))
        bar.outline.set_visible(False)
        if spec.get("zlabel"):
            bar.set_label(spec["zlabel"])
        return notes

    return _figure(spec, ids, build, height=min(2.0 + 0.25 * len(y_keep), 8.0))
