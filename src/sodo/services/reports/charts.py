"""The report's charts as PNG images, drawn offline with matplotlib (Agg): the trend of the key
targets with their target line, and the ranking of the provinces on the 766 index with the
unit's place marked. Serif type like the document's (Liberation Serif is metric-compatible
with Times New Roman); black and greys, so a printed copy reads the same."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import dates as mdates
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from sodo.domain.periods import Period
from sodo.domain.reports import number_vi

FONTS = ["Liberation Serif", "Times New Roman", "DejaVu Serif"]
DPI = 150


def _style() -> dict[str, Any]:
    return {"font.family": "serif", "font.serif": FONTS, "font.size": 9,
            "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "sodo",
            "figure.dpi": DPI}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # No timestamp or software name in the file: the same data give the same bytes.
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _wrap(text: str, width: int = 48) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def _middle(period_id: str) -> date:
    period = Period.parse(period_id)
    return period.start + (period.end - period.start) / 2


def trend_chart(rows: Sequence[Any]) -> bytes | None:
    """Up to four targets side by side: observed values (line), the target (dashed line to
    its deadline) and the projection at the deadline (hollow marker)."""
    rows = [r for r in rows if len(r.series) >= 2]
    if not rows:
        return None
    cols = 2 if len(rows) > 1 else 1
    lines = (len(rows) + cols - 1) // cols
    with plt.rc_context(_style()):
        fig, axes = plt.subplots(lines, cols, figsize=(6.3, 2.5 * lines), squeeze=False)
        for ax in axes.flat[len(rows):]:
            ax.set_visible(False)
        for ax, row in zip(axes.flat, rows, strict=False):
            xs = [_middle(p) for p, _ in row.series]
            ys = [v for _, v in row.series]
            ax.plot(xs, ys, color="black", linewidth=1.6, marker="o", markersize=3,
                    label="Thực hiện")
            if row.five_year is not None and row.deadline:
                end = _middle(row.deadline)
                ax.plot([xs[0], end], [row.five_year, row.five_year], color="#555555",
                        linestyle="--", linewidth=1.0, label=f"Mục tiêu {row.deadline}")
                if row.projected is not None:
                    ax.plot([xs[-1], end], [ys[-1], row.projected], color="#888888",
                            linestyle=":", linewidth=1.0)
                    ax.plot([end], [row.projected], marker="o", markersize=5,
                            markerfacecolor="white", color="#555555", label="Dự báo")
            ax.set_title(_wrap(row.title), fontsize=8.5)
            unit = row.unit or ""
            ax.set_ylabel(unit, fontsize=8)
            ax.tick_params(labelsize=7.5)
            # A year's tick in its middle, where its yearly value stands.
            ax.xaxis.set_major_locator(mdates.YearLocator(month=7, day=1))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
                lambda v, _: number_vi(v, 1)))
            ax.legend(fontsize=6.5, frameon=False, loc="best")
        fig.tight_layout()
        return _png(fig)


def ranking_chart(ranking: Sequence[dict[str, Any]], unit: str, title: str,
                  maximum: float | None = None) -> bytes | None:
    """Every ranked unit's value, best at the top; ``unit`` in black, the others grey."""
    ranked = [r for r in ranking if r.get("rank") is not None and r.get("value") is not None]
    if not ranked:
        return None
    ranked.sort(key=lambda r: (r["rank"], r["orgunit"]))
    names = [f"{r['rank']}. {r['name']}" for r in ranked]
    values = [r["value"] for r in ranked]
    colours = ["black" if r["orgunit"] == unit else "#b0b0b0" for r in ranked]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.3, max(2.5, 0.2 * len(ranked) + 0.8)))
        ax.barh(range(len(ranked)), values, color=colours, height=0.7)
        ax.set_yticks(range(len(ranked)), names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, maximum or max(values) * 1.1)
        for i, value in enumerate(values):
            ax.text(value + (maximum or max(values)) * 0.01, i, number_vi(value, 2),
                    va="center", fontsize=6.5)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        fig.tight_layout()
        return _png(fig)


# -- the 34-province map ------------------------------------------------------------------------

MAP_CLASSES = 5
MAP_GREYS = ("#f0f0f0", "#c8c8c8", "#9a9a9a", "#6a6a6a", "#3a3a3a")  # low → high
MAP_SOURCE = ("Ranh giới 34 tỉnh, thành phố (từ 01/7/2025): vietnamese-provinces-database, "
              "© 2021 Thang Le Quoc, giấy phép MIT; nguồn Bản đồ đơn vị hành chính "
              "(sapnhap.bando.com.vn). Có quần đảo Hoàng Sa và Trường Sa.")


@lru_cache(maxsize=1)
def province_shapes() -> dict[str, list[list[tuple[float, float]]]]:
    """The outer rings of each province's polygons from the boundaries the package ships
    (``sodo/data/vn-provinces-34.geojson``, with its notice), keyed by the two-digit code."""
    import json
    from importlib import resources

    geo = json.loads(resources.files("sodo.data").joinpath("vn-provinces-34.geojson")
                     .read_text("utf-8"))
    shapes: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in geo["features"]:
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        shapes[str(feature["properties"]["code"])] = [
            [(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons]
    return shapes


def _classes(values: Sequence[float]) -> list[float]:
    """Upper bounds of :data:`MAP_CLASSES` classes of (nearly) equal counts (quantiles)."""
    ordered = sorted(values)
    bounds = []
    for i in range(1, MAP_CLASSES):
        bounds.append(ordered[min(len(ordered) - 1, round(i * len(ordered) / MAP_CLASSES))])
    return [*dict.fromkeys(bounds), ordered[-1]]


def province_map(ranking: Sequence[dict[str, Any]], unit: str, title: str,
                 decimals: int = 2, legend_title: str = "Điểm") -> bytes | None:
    """The 34 provinces shaded by their value (five classes of greys, darker is higher; no
    value: white, hatched), ``unit`` outlined in black and named, Hoàng Sa and Trường Sa
    named; the boundaries' source under the map."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch, Polygon

    shapes = province_shapes()
    found = {str(r["orgunit"]): r for r in ranking
             if r.get("value") is not None and str(r.get("orgunit")) in shapes}
    if not found:
        return None
    bounds = _classes([r["value"] for r in found.values()])

    def shade(value: float) -> str:
        for i, top in enumerate(bounds):
            if value <= top:
                return MAP_GREYS[min(i, len(MAP_GREYS) - 1)]
        return MAP_GREYS[-1]

    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.3, 6.6))
        filled, colours, empty = [], [], []
        for code, rings in shapes.items():
            row = found.get(code)
            for ring in rings:
                if row is None:
                    empty.append(ring)
                else:
                    filled.append(ring)
                    colours.append(shade(row["value"]))
        ax.add_collection(PolyCollection(filled, facecolors=colours, edgecolors="#555555",
                                         linewidths=0.3))
        if empty:
            ax.add_collection(PolyCollection(empty, facecolors="white", edgecolors="#555555",
                                             linewidths=0.3, hatch="////"))
        mine = shapes.get(unit)
        if mine:
            for ring in mine:
                ax.add_patch(Polygon(ring, closed=True, fill=False, edgecolor="black",
                                     linewidth=1.6))
            main = max(mine, key=len)
            x = sum(p[0] for p in main) / len(main)
            y = sum(p[1] for p in main) / len(main)
            row = found.get(unit)
            label = (f"{row['name']}: {number_vi(row['value'], decimals)}"
                     + (f" (hạng {row['rank']})" if row.get("rank") else "")) if row else unit
            ax.annotate(label, (x, y), xytext=(x + 2.2, y + 0.6), fontsize=8,
                        arrowprops={"arrowstyle": "-", "color": "black", "linewidth": 0.8},
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "black",
                              "lw": 0.5})
        ax.text(111.9, 17.5, "QĐ. Hoàng Sa\n(Đà Nẵng)", fontsize=6.5, ha="center",
                style="italic")
        ax.text(115.6, 12.4, "QĐ. Trường Sa\n(Khánh Hòa)", fontsize=6.5, ha="center",
                style="italic")
        ax.set_xlim(102.0, 118.2)
        ax.set_ylim(7.0, 23.6)
        ax.set_aspect(1 / math.cos(math.radians(15)))
        ax.set_axis_off()
        lower = min(r["value"] for r in found.values())
        handles, previous = [], lower
        for i, top in enumerate(bounds):
            handles.append(Patch(facecolor=MAP_GREYS[min(i, len(MAP_GREYS) - 1)],
                                 edgecolor="#555555", linewidth=0.3,
                                 label=f"{number_vi(previous, decimals)} – "
                                       f"{number_vi(top, decimals)}"))
            previous = top
        if len(found) < len(shapes):
            handles.append(Patch(facecolor="white", hatch="////", edgecolor="#555555",
                                 linewidth=0.3, label="Chưa có số liệu"))
        ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=False,
                  title=legend_title, title_fontsize=7.5)
        ax.set_title(title, fontsize=9)
        fig.text(0.02, 0.01, _wrap(MAP_SOURCE, 130), fontsize=5.5, color="#444444",
                 va="bottom")
        return _png(fig)
