"""The dashboard's trend charts as inline SVG, drawn by pygal on the server. pygal puts a
script in every chart (its tooltips' configuration); it is taken out, as the page runs none
and its Content-Security-Policy would refuse it. The SVG has no fixed size: it fills its box."""

from collections.abc import Callable
from typing import Any

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

from models.trends import Weekly, count_ticks

FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif'
STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#1f2937",
    foreground_subtle="#6b7280",
    colors=("#1d4ed8", "#16a34a", "#d97706", "#dc2626"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    legend_font_family=FONT,
    value_font_family=FONT,
    title_font_family=FONT,
    no_data_font_family=FONT,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    no_data_font_size=20,
)
CONFIG: dict[str, Any] = {
    "style": STYLE,
    "js": [],
    "tooltips": False,
    "disable_xml_declaration": True,
    # small enough that its labels stay legible when a phone scales it down
    "width": 480,
    "height": 270,
    "legend_at_bottom": True,
    "legend_box_size": 12,
    "show_y_guides": True,
    "margin": 12,
    "margin_right": 28,  # room for the last week's label, centred on the edge of the plot
    "truncate_label": -1,  # "12 Oct", not "12 O…"
    "no_data_text": "no data yet",
    "allow_interruptions": True,  # a week without a figure is a gap in the line, not a slope across it
}


def _svg(chart: Any, label: str) -> Markup:
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    tree.set("role", "img")
    tree.set("aria-label", label)
    return Markup(etree.tostring(tree, encoding="unicode"))  # noqa: S704 - pygal's SVG, from our numbers and labels


def _line(weekly: Weekly, series: list[tuple[str, list[float | None]]], label: str, **config: Any) -> Markup:
    chart = pygal.Line(**CONFIG, **config)
    chart.x_labels = weekly.labels
    for name, values in series:
        chart.add(name, values)
    return _svg(chart, label)


def opened_closed(weekly: Weekly) -> Markup:
    chart = pygal.Bar(**CONFIG)
    chart.x_labels = weekly.labels
    chart.y_labels = count_ticks(max((v or 0 for v in weekly.opened + weekly.closed), default=0))
    chart.add("opened", weekly.opened)
    chart.add("closed", weekly.closed)
    return _svg(chart, "cases opened and closed per week")


def resolution(weekly: Weekly) -> Markup:
    return _line(weekly, [("median hours", weekly.resolution_hours)], "median resolution hours per week", min_scale=2)


def csat(weekly: Weekly) -> Markup:
    return _line(weekly, [("CSAT (1-5)", weekly.csat)], "mean CSAT per week", range=(1, 5))


def sla_attainment(weekly: Weekly) -> Markup:
    return _line(weekly, [("% met", weekly.sla_attainment)], "SLA attainment per week", range=(0, 100))


CHARTS: dict[str, Callable[[Weekly], Markup]] = {
    "opened_closed": opened_closed,
    "resolution": resolution,
    "csat": csat,
    "sla_attainment": sla_attainment,
}
