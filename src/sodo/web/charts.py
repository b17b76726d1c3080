"""Plotly figures built in Python and rendered as HTML fragments without Plotly's JavaScript
(the page loads it once from ``/web/assets/plotly.min.js``, served from the plotly package)."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from sodo.web.i18n import t

GEOJSON_URL = "/web/geo/provinces-34.geojson"
# Plotly's geo plots fetch a base-map topology even with every base layer off; point it at our
# own empty one instead of Plotly's CDN (closed government networks, no third-party files).
TOPOJSON_URL = "/web/geo/topojson/"
PALETTE = {"observed": "#1f5fa8", "required": "#7a7a7a", "projection": "#c2410c",
           "target": "#15803d", "national": "#6b7280"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"


def _layout(fig: go.Figure, lang: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 48, "r": 16, "t": 24, "b": 40},
        # Plotly's separators: decimal then thousands
        separators=",." if lang == "vi" else ".,",
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        paper_bgcolor="white", plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.18},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#e5e7eb", linecolor="#9ca3af")
    fig.update_yaxes(gridcolor="#e5e7eb", linecolor="#9ca3af", zerolinecolor="#d1d5db")
    return fig


def to_html(fig: go.Figure, div_id: str, title: str) -> str:
    """The figure as a <div> plus its script; ``title`` labels the chart for screen readers."""
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True,
                               "topojsonURL": TOPOJSON_URL,
                               "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    return (f'<figure class="chart" role="group" aria-label="{_escape(title)}">{html}'
            "</figure>")


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def target_chart(observed: list[tuple[date, float]], required: list[tuple[date, float]],
                 target_value: float | None, deadline: date | None,
                 projection: list[tuple[date, float]], unit: str, lang: str) -> go.Figure:
    """Observed values, the required path through baseline and milestones, the target line and
    the projection to the deadline."""
    fig = go.Figure()
    if required:
        fig.add_trace(go.Scatter(
            x=[d for d, _ in required], y=[v for _, v in required], name=t("targets.required", lang),
            mode="lines+markers", line={"color": PALETTE["required"], "dash": "dash"},
            marker={"symbol": "diamond", "size": 9}))
    if projection:
        fig.add_trace(go.Scatter(
            x=[d for d, _ in projection], y=[v for _, v in projection],
            name=t("targets.projection", lang), mode="lines",
            line={"color": PALETTE["projection"], "dash": "dot", "width": 2}))
    fig.add_trace(go.Scatter(
        x=[d for d, _ in observed], y=[v for _, v in observed], name=t("targets.observed", lang),
        mode="lines+markers", line={"color": PALETTE["observed"], "width": 3},
        marker={"size": 8}))
    if target_value is not None:
        fig.add_hline(y=target_value, line={"color": PALETTE["target"], "width": 1.5},
                      annotation_text=f"{t('targets.target_line', lang)}"
                                      + (f" ({deadline.year})" if deadline else ""),
                      annotation_position="top left")
    fig.update_yaxes(title_text=unit or None)
    return _layout(fig, lang)


def trend_chart(lines: dict[str, list[tuple[str, float | None]]], unit: str, lang: str,
                highlight: str | None = None) -> go.Figure:
    """One line per series, x = period labels in order."""
    fig = go.Figure()
    for index, (name, points) in enumerate(lines.items()):
        strong = highlight is None or name == highlight or index == 0
        fig.add_trace(go.Scatter(
            x=[p for p, _ in points], y=[v for _, v in points], name=name, mode="lines+markers",
            line={"width": 3 if strong else 1.5}, opacity=1 if strong else 0.7))
    fig.update_yaxes(title_text=unit or None)
    fig.update_xaxes(type="category")
    return _layout(fig, lang, height=320)


def choropleth(codes: list[str], values: list[float | None], names: list[str],
               unit: str, lang: str, reverse: bool = False) -> go.Figure:
    """The 34 provinces coloured by value; no map tiles, boundaries from the shipped GeoJSON.

    ``customdata`` carries the code so a click can open the province."""
    text = [f"{n}" for n in names]
    fig = go.Figure(go.Choropleth(
        geojson=GEOJSON_URL, featureidkey="properties.code", locations=codes, z=values,
        text=text, customdata=codes,
        colorscale="Blues_r" if reverse else "Blues", marker={"line": {"color": "#ffffff",
                                                                        "width": 0.6}},
        colorbar={"title": {"text": unit}, "thickness": 12, "len": 0.8},
        hovertemplate="<b>%{text}</b><br>%{z}<extra></extra>",
    ))
    fig.update_geos(fitbounds="locations", visible=False, projection={"type": "mercator"},
                    bgcolor="white")
    fig = _layout(fig, lang, height=560)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def bar_chart(labels: list[str], values: list[float | None], maxima: list[float | None],
              lang: str) -> go.Figure:
    """Scores against their maxima, horizontal bars (the 766 groups)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=maxima, orientation="h", name="max",
                         marker={"color": "#e5e7eb"}, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Bar(y=labels, x=values, orientation="h", name=t("common.value", lang),
                         marker={"color": PALETTE["observed"]}, showlegend=False))
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, lang, height=60 + 44 * len(labels))


# Base-map layers Plotly may look up in a topology; all empty: the map shows only provinces.
TOPOJSON_LAYERS = ("land", "ocean", "lakes", "rivers", "coastlines", "countries", "subunits")


def empty_topology() -> dict:
    empty = {"type": "GeometryCollection", "geometries": []}
    return {"type": "Topology", "objects": {layer: empty for layer in TOPOJSON_LAYERS},
            "arcs": [], "bbox": [-180, -90, 180, 90]}
