"""The figures of `make bench` against their targets, read from each part's results."""

import math
from dataclasses import asdict, dataclass
from typing import Any

# each part of the run and the file its figures go to, under bench/results/
PARTS = {
    "intake": "intake.json",
    "burst": "escalation.json",
    "open": "escalation-open.json",
    "scale": "scale.json",
}
BURST_P99_MS = 1000.0
RSS_MIB = 300.0
SCALE_RATIO = 1.3


@dataclass(frozen=True)
class Figure:
    part: str
    name: str
    value: float
    baseline: float | None  # measured in the same run
    ratio: float | None
    target: str  # "" where none is set
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def _intake(results: dict) -> list[Figure]:
    return [
        Figure(
            "intake",
            r["figure"],
            r["value"],
            r["baseline"],
            r["ratio"],
            f">= {r['target']}x" if r["target"] else "",
            r["met"],
        )
        for r in results["ratios"]
    ]


def _lateness(part: str, results: dict, target_p99: float | None) -> list[Figure]:
    ours, base = results["lateness_ms"]["temporal"]["all"], results["lateness_ms"]["baseline"]["all"]
    opened = {"cases": results["args"]["cases"], "failed": 0} | results["opened"]
    p1, all_cases = opened.get("p1", opened["cases"]), opened["cases"]
    cases = f"{p1:,} P1" if p1 == all_cases else f"{p1:,} P1 of {all_cases:,}"
    figures = [
        Figure(
            part,
            f"{cases} cases: rung lateness {q} ms vs asyncio timers",
            ours[q],
            base[q],
            ours[q] / base[q] if base[q] else None,
            f"< {target_p99:g} ms" if target_p99 and q == "p99" else "",
            ours[q] < target_p99 if target_p99 and q == "p99" else None,
        )
        for q in ("p50", "p99", "max")
    ]
    lost = ours["missed"] + ours["duplicated"] + opened["failed"]
    lost_name = f"{cases} cases: rungs missed, duplicated; failed opens"
    figures.append(Figure(part, lost_name, lost, None, None, "0", lost == 0))
    figures.append(Figure(part, f"{cases} cases: opened a second", opened["per_s"], None, None, "", None))
    return figures


def _memory(results: dict) -> list[Figure]:
    rss, cases = results["worker_rss_mib"], results["opened"].get("cases", results["args"]["cases"])
    return [
        Figure(
            "open",
            f"worker resident MiB, peak with {cases:,} open cases vs idle",
            rss["peak"],
            rss["idle"],
            rss["peak"] / rss["idle"],
            f"< {RSS_MIB:g} MiB",
            rss["peak"] < RSS_MIB,
        )
    ]


def _scale(results: dict) -> list[Figure]:
    figures = []
    for read in results["reads"]:
        sizes = sorted(read["ms"], key=int)
        small, large = read["ms"][sizes[0]], read["ms"][sizes[-1]]
        ratio = large / small
        figures.append(
            Figure(
                "scale",
                f"{read['read']}: ms at {int(sizes[-1]):,} vs {int(sizes[0]):,} cases",
                large,
                small,
                ratio,
                f"<= {SCALE_RATIO}x",
                ratio <= SCALE_RATIO,
            )
        )
    if period := results.get("closed_in_30_days"):
        sizes = sorted(period, key=int)
        small, large = period[sizes[0]], period[sizes[-1]]
        figures.append(
            Figure(
                "scale",
                f"kpis 30 days: cases closed in the period at {int(sizes[-1]):,} vs {int(sizes[0]):,}",
                large,
                small,
                large / small if small else math.nan,
                "",
                None,
            )
        )
    return figures


def figures_of(part: str, results: dict) -> list[Figure]:
    if part == "intake":
        return _intake(results)
    if part == "burst":
        return _lateness(part, results, BURST_P99_MS)
    if part == "open":
        return _lateness(part, results, None) + _memory(results)
    return _scale(results)


def table(figures: list[Figure], took: dict[str, float]) -> str:
    lines = [f"{'part':8}{'figure':62}{'value':>10}{'baseline':>10}{'ratio':>8}  {'target':12}verdict"]
    for f in figures:
        baseline = "" if f.baseline is None else f"{f.baseline:10.2f}"
        ratio = "" if f.ratio is None else f"{f.ratio:7.2f}x"
        verdict = {True: "met", False: "MISSED", None: ""}[f.met]
        lines.append(f"{f.part:8}{f.name:62}{f.value:10.2f}{baseline:>10}{ratio:>8}  {f.target:12}{verdict}")
    if took:
        lines.append("minutes: " + ", ".join(f"{part} {seconds / 60:.1f}" for part, seconds in took.items()))
    return "\n".join(lines)
