"""Plotly figures built in Python and rendered as HTML fragments without Plotly's JavaScript
(the page loads it once from ``/web/assets/plotly.min.js``, served from the plotly package).

Figures are plain dicts in Plotly's figure schema and rendered without validation: building
``plotly.graph_objects`` figures validates every property and costs tens of milliseconds a
chart, too much for pages that must render in well under 300 ms.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import plotly.io as pio
from plotly.colors import sequential

from sodo.web.format import format_value
from sodo.web.i18n import register, t

Figure = dict[str, Any]

GEOJSON_URL = "/web/geo/provinces-34.geojson"
# Plotly's geo plots fetch a base-map topology even with every base layer off; point it at our
# own empty one instead of Plotly's CDN (closed government networks, no third-party files).
TOPOJSON_URL = "/web/geo/topojson/"
PALETTE = {"observed": "#1f5fa8", "required": "#6b7280", "projection": "#c2410c",
           "target": "#15803d"}
SERIES_COLOURS = ("#1f5fa8", "#15803d", "#b91c1c", "#7c3aed", "#c2410c")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
AXIS = {"gridcolor": "#e5e7eb", "linecolor": "#9ca3af", "zerolinecolor": "#d1d5db"}


def _layout(lang: str, height: int = 360, **extra: Any) -> dict[str, Any]:
    layout = {
        "height": height, "margin": {"l": 48, "r": 16, "t": 24, "b": 40},
        # Plotly's separators: decimal mark then thousands mark
        "separators": ",." if lang == "vi" else ".,",
        "font": {"family": FONT, "size": 13, "color": "#1f2933"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.18},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": dict(AXIS), "yaxis": dict(AXIS),
    }
    layout.update(extra)
    return layout


def to_html(fig: Figure, div_id: str, title: str, topojson_url: str = TOPOJSON_URL) -> str:
    """The figure as a <div> and its specification in a ``<script type="application/json">``
    block (data, not code: the Content-Security-Policy allows no inline script); the static
    ``charts.js`` draws it with Plotly. ``title`` labels the chart for screen readers
    (``topojson_url``: where a static copy of the pages finds the base-map topology)."""
    config = {"displaylogo": False, "responsive": True, "topojsonURL": topojson_url,
              "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = config
    # "<" written as \u003c: the JSON can never close its <script> block or open a comment.
    payload = json.dumps(spec, separators=(",", ":")).replace("<", "\\u003c")
    safe_id = _escape(div_id)
    return (f'<figure class="chart" role="group" aria-label="{_escape(title)}">'
            f'<div id="{safe_id}" class="plotly-graph-div" data-chart="{safe_id}-spec" '
            f'style="height:100%; width:100%;"></div>'
            f'<script type="application/json" id="{safe_id}-spec">{payload}</script>'
            "</figure>")


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _dates(points: list[tuple[date, float]]) -> tuple[list[str], list[float]]:
    return [d.isoformat() for d, _ in points], [v for _, v in points]


# A year's value is drawn in the middle of its year, under the year's label: its period ends
# on 31/12, which a month axis would label with the next January.
HALF_YEAR = timedelta(days=182)


def target_chart(observed: list[tuple[date, float]], required: list[tuple[date, float]],
                 target_value: float | None, deadline: date | None,
                 projection: list[tuple[date, float]], unit: str, lang: str,
                 yearly: bool = False) -> Figure:
    """Observed values, the required path through baseline and milestones, the target line and
    the projection to the deadline (points at their period's end; ``yearly``: a series of
    years, drawn at mid-year on an axis of years)."""
    if yearly:
        observed, required, projection = ([(d - HALF_YEAR, v) for d, v in points]
                                          for points in (observed, required, projection))
    traces = []
    if required:
        x, y = _dates(required)
        traces.append({"type": "scatter", "x": x, "y": y, "name": t("targets.required", lang),
                       "mode": "lines+markers",
                       "line": {"color": PALETTE["required"], "dash": "dash"},
                       "marker": {"symbol": "diamond", "size": 9}})
    if projection:
        x, y = _dates(projection)
        traces.append({"type": "scatter", "x": x, "y": y, "name": t("targets.projection", lang),
                       "mode": "lines",
                       "line": {"color": PALETTE["projection"], "dash": "dot", "width": 2}})
    x, y = _dates(observed)
    traces.append({"type": "scatter", "x": x, "y": y, "name": t("targets.observed", lang),
                   "mode": "lines+markers",
                   "line": {"color": PALETTE["observed"], "width": 3}, "marker": {"size": 8}})
    shapes, annotations = [], []
    if target_value is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": target_value, "y1": target_value,
                       "line": {"color": PALETTE["target"], "width": 1.5}})
        label = t("targets.target_line", lang) + (f" ({deadline.year})" if deadline else "")
        annotations.append({"xref": "paper", "x": 0, "xanchor": "left", "yref": "y",
                            "y": target_value, "yanchor": "bottom", "text": label,
                            "showarrow": False, "font": {"color": PALETTE["target"]}})
    layout = _layout(lang, shapes=shapes, annotations=annotations)
    if yearly:
        layout["xaxis"] = {**AXIS, "type": "date", "dtick": "M12", "tickformat": "%Y",
                           "ticklabelmode": "period", "hoverformat": "%Y"}
    else:
        layout["xaxis"] = {**AXIS, "tickformat": "%m/%Y" if lang == "vi" else "%b %Y",
                           "hoverformat": "%d/%m/%Y" if lang == "vi" else "%Y-%m-%d"}
    layout["yaxis"] = {**AXIS, "title": {"text": unit}} if unit else dict(AXIS)
    return {"data": traces, "layout": layout}


def trend_chart(lines: dict[str, list[tuple[str, float | None]]], unit: str,
                lang: str) -> Figure:
    """One line per series, x = period labels in order; the first series is the reference."""
    traces = []
    for index, (name, points) in enumerate(lines.items()):
        traces.append({"type": "scatter", "x": [p for p, _ in points],
                       "y": [v for _, v in points], "name": name, "mode": "lines+markers",
                       "line": {"width": 3 if index == 0 else 2,
                                "color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                                "dash": "solid" if index == 0 else "dot"}})
    # the legend above the plot and room made for the periods' labels: on a phone they turn
    # to fit and would otherwise run into the legend below
    layout = _layout(lang, height=320,
                     legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"})
    layout["xaxis"] = {**AXIS, "type": "category", "automargin": True}
    layout["yaxis"] = {**AXIS, "title": {"text": unit}} if unit else dict(AXIS)
    return {"data": traces, "layout": layout}


# The map's colour scale: light to dark blue, its lightest step still clearly blue (plotly's
# "Blues" starts at near-white, which drew the worst province white on the white page).
MAP_SCALE = [[i / (len(sequential.Blues) - 3), colour]
             for i, colour in enumerate(sequential.Blues[2:])]
NO_DATA_COLOUR = "#d1d5db"
BORDER_COLOUR = "#6b7280"
# The two archipelagos, drawn with the provinces they belong to (Decision 19/2025/QĐ-TTg):
# code of the province, label position (longitude, latitude), label key.
ARCHIPELAGOS = (("48", 112.0, 17.45, "map.hoang_sa"), ("56", 114.3, 12.0, "map.truong_sa"))

register({
    "map.hoang_sa": ("Quần đảo Hoàng Sa", "Hoàng Sa archipelago"),
    "map.truong_sa": ("Quần đảo Trường Sa", "Trường Sa archipelago"),
    "map.belongs_to": ("thuộc {unit}", "part of {unit}"),
    "map.rank_of": ("Hạng {rank}/{n}", "Rank {rank} of {n}"),
    "map.darker_better_high": ("Màu càng đậm, giá trị càng cao (cao hơn là tốt hơn).",
                               "The darker the colour, the higher the value (higher is "
                               "better)."),
    "map.darker_better_low": ("Màu càng đậm, giá trị càng thấp (thấp hơn là tốt hơn).",
                              "The darker the colour, the lower the value (lower is better)."),
    "map.legend": ("Chú giải", "Legend"),
    "map.scale": ("Thang màu từ {low} đến {high}", "Colour scale from {low} to {high}"),
    "map.no_data_units": ("Không có số liệu ({n} tỉnh, thành phố)",
                          "No data ({n} provinces)"),
    "map.no_province_data": ("Chỉ số này chưa có số liệu theo tỉnh, thành phố ({period}), "
                             "nên chưa có bản đồ và bảng xếp hạng.",
                             "This indicator has no province values ({period}), so there is "
                             "no map and no ranking."),
    "map.national_value": ("Số liệu toàn quốc: {value}.", "National value: {value}."),
    "map.no_ministry_data": ("Chỉ số này chưa có số liệu theo bộ, ngành ({period}), nên chưa "
                             "có bảng xếp hạng.",
                             "This indicator has no ministry values ({period}), so there is "
                             "no ranking."),
})


def choropleth(codes: list[str], values: list[float | None], names: list[str],
               unit: str, lang: str, reverse: bool = False, *,
               ranks: list[int | None] | None = None, period: str = "",
               decimals: int | None = None, geojson_url: str = GEOJSON_URL) -> Figure:
    """The 34 provinces coloured by value; no map tiles, boundaries from the shipped GeoJSON.

    Darker is better (``reverse`` for indicators where lower is better); provinces without a
    value are grey and say so on hover; hovering a province gives its value with the unit,
    its rank among those ranked and the period (``period``: its label). Hoàng Sa and Trường
    Sa are labelled with the provinces they belong to. ``customdata`` carries the code so a
    click can open the province."""
    ranks = ranks if ranks is not None else [None] * len(codes)
    ranked = sum(1 for r in ranks if r is not None)
    have = [i for i, v in enumerate(values) if v is not None]
    missing = [i for i, v in enumerate(values) if v is None]
    tail = f"<br>{_escape(period)}" if period else ""

    def hover(i: int) -> str:
        head = f"<b>{_escape(names[i])}</b><br>"
        if values[i] is None:
            return head + _escape(t("common.no_data", lang)) + tail
        text = head + _escape(format_value(values[i], unit, lang, decimals))
        if ranks[i] is not None:
            text += "<br>" + _escape(t("map.rank_of", lang, rank=ranks[i], n=ranked))
        return text + tail

    traces: list[dict[str, Any]] = []
    if have:
        traces.append({
            "type": "choropleth", "geojson": geojson_url, "featureidkey": "properties.code",
            "name": t("common.value", lang),
            "locations": [codes[i] for i in have], "z": [values[i] for i in have],
            "text": [hover(i) for i in have], "customdata": [codes[i] for i in have],
            "colorscale": MAP_SCALE, "reversescale": reverse,
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.5}},
            # a horizontal colour bar under the map leaves the width to the map on phones
            "colorbar": {"title": {"text": unit, "side": "top"}, "orientation": "h",
                         "thickness": 12, "len": 0.7, "x": 0.5, "xanchor": "center",
                         "y": -0.02, "yanchor": "top", "outlinecolor": BORDER_COLOUR,
                         "outlinewidth": 0.5},
            "hovertemplate": "%{text}<extra></extra>",
        })
    if missing:
        traces.append({
            "type": "choropleth", "geojson": geojson_url, "featureidkey": "properties.code",
            "name": t("common.no_data", lang),
            "locations": [codes[i] for i in missing], "z": [0] * len(missing),
            "text": [hover(i) for i in missing], "customdata": [codes[i] for i in missing],
            "colorscale": [[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]], "showscale": False,
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.5}},
            "hovertemplate": "%{text}<extra></extra>",
        })
    by_code = dict(zip(codes, names, strict=True))
    islands = [(code, lon, lat, key) for code, lon, lat, key in ARCHIPELAGOS if code in by_code]
    if islands:
        traces.append({
            "type": "scattergeo", "mode": "text", "showlegend": False,
            "lon": [lon for _, lon, _, _ in islands], "lat": [lat for _, _, lat, _ in islands],
            "text": [t(key, lang) for *_, key in islands],
            "hovertext": [_escape(t(key, lang)) + "<br>" + _escape(
                t("map.belongs_to", lang, unit=by_code[code])) for code, _, _, key in islands],
            "customdata": [code for code, *_ in islands],
            "textfont": {"family": FONT, "size": 11, "color": "#374151"},
            "hovertemplate": "%{hovertext}<extra></extra>",
        })
    layout = _layout(lang, height=600, margin={"l": 0, "r": 0, "t": 0, "b": 60},
                     showlegend=False,
                     geo={"fitbounds": "locations", "visible": False,
                          "projection": {"type": "mercator"}, "bgcolor": "white"})
    return {"data": traces, "layout": layout}


def map_legend(values: list[float | None], unit: str, lang: str, reverse: bool = False,
               decimals: int | None = None) -> dict[str, Any]:
    """What the map's colours mean, said in words under it: the range the scale spans, which
    end is better, and how many provinces have no value (grey)."""
    known = [v for v in values if v is not None]
    low = format_value(min(known), unit, lang, decimals) if known else ""
    high = format_value(max(known), unit, lang, decimals) if known else ""
    return {"low": low, "high": high, "missing": len(values) - len(known),
            "better": t("map.darker_better_low" if reverse else "map.darker_better_high", lang),
            "no_data_colour": NO_DATA_COLOUR,
            "low_colour": MAP_SCALE[-1 if reverse else 0][1],
            "high_colour": MAP_SCALE[0 if reverse else -1][1]}


def bar_chart(labels: list[str], values: list[float | None], maxima: list[float | None],
              lang: str) -> Figure:
    """Scores against their maxima, horizontal bars (the 766 groups)."""
    traces = [
        {"type": "bar", "y": labels, "x": maxima, "orientation": "h", "name": "max",
         "marker": {"color": "#e5e7eb"}, "hoverinfo": "skip", "showlegend": False},
        {"type": "bar", "y": labels, "x": values, "orientation": "h",
         "name": t("common.value", lang), "marker": {"color": PALETTE["observed"]},
         "showlegend": False},
    ]
    layout = _layout(lang, height=60 + 44 * len(labels), barmode="overlay",
                     margin={"l": 180, "r": 16, "t": 8, "b": 32})
    layout["yaxis"] = {**AXIS, "autorange": "reversed", "automargin": True}
    return {"data": traces, "layout": layout}


# Base-map layers Plotly may look up in a topology; all empty: the map shows only provinces.
TOPOJSON_LAYERS = ("land", "ocean", "lakes", "rivers", "coastlines", "countries", "subunits")


def empty_topology() -> dict[str, Any]:
    empty = {"type": "GeometryCollection", "geometries": []}
    return {"type": "Topology", "objects": {layer: empty for layer in TOPOJSON_LAYERS},
            "arcs": [], "bbox": [-180, -90, 180, 90]}
