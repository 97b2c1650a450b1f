"""The accuracy/latency Pareto plot: a PNG (matplotlib) and an interactive HTML (plotly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _groups(trials: list[dict[str, Any]], front_keys: set[int]):
    """(trained off the frontier, the frontier sorted by latency, over-budget), for both plots."""
    trained = [t for t in trials if t["state"] == "complete"]
    others = [t for t in trained if t["number"] not in front_keys]
    front = sorted(
        (t for t in trained if t["number"] in front_keys), key=lambda t: t["latency_ms"]
    )
    infeasible = [t for t in trials if t["state"] == "infeasible"]
    return others, front, infeasible


def pareto_png(
    trials: list[dict[str, Any]], front_keys: set[int], budget_ms: float, path: Path, title: str
) -> Path:
    """Accuracy against latency: trained trials, the frontier highlighted, infeasible
    candidates (untrained, drawn at accuracy 0), and the budget line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    others, front, infeasible = _groups(trials, front_keys)
    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=110)
    ax.scatter(
        [t["latency_ms"] for t in others],
        [t["top1"] * 100 for t in others],
        c="#9aa5b1",
        s=28,
        label="trained",
    )
    ax.scatter(
        [t["latency_ms"] for t in infeasible],
        [0] * len(infeasible),
        marker="x",
        c="#d64545",
        s=30,
        label="over budget (not trained)",
    )
    if front:
        ax.step(
            [t["latency_ms"] for t in front],
            [t["top1"] * 100 for t in front],
            where="post",
            c="#2f80ed",
            lw=1.5,
        )
        ax.scatter(
            [t["latency_ms"] for t in front],
            [t["top1"] * 100 for t in front],
            c="#2f80ed",
            s=46,
            edgecolors="black",
            zorder=3,
            label="Pareto frontier",
        )
        for t in front:
            ax.annotate(
                f"#{t['number']}",
                (t["latency_ms"], t["top1"] * 100),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
            )
    ax.axvline(budget_ms, c="#d64545", ls="--", lw=1, label=f"budget {budget_ms:g} ms")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("top-1 on held-out split (%)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    # Below the axes: inside, it would hide the over-budget marks drawn at accuracy 0.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def pareto_html(
    trials: list[dict[str, Any]], front_keys: set[int], budget_ms: float, path: Path, title: str
) -> Path:
    """The same plot with hover details; plotly.js is embedded so it works offline."""
    import plotly.graph_objects as go

    others, front, infeasible = _groups(trials, front_keys)

    def hover(t):
        return (
            f"trial {t['number']}<br>{t['arch_name']}<br>top-1 {t['top1']:.2%}<br>"
            f"latency {t['latency_ms']:.3f} ms<br>{t['macs'] / 1e6:.1f} M MACs, "
            f"{t['params'] / 1e6:.3f} M params"
        )

    fig = go.Figure()
    for name, rows, color, symbol in (
        ("trained", others, "#9aa5b1", "circle"),
        ("Pareto frontier", front, "#2f80ed", "circle"),
        ("over budget (not trained)", infeasible, "#d64545", "x"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[t["latency_ms"] for t in rows],
                y=[t["top1"] * 100 if t["state"] == "complete" else 0 for t in rows],
                mode="markers+lines" if name == "Pareto frontier" else "markers",
                line={"shape": "hv"} if name == "Pareto frontier" else None,
                marker={"color": color, "symbol": symbol, "size": 9},
                name=name,
                text=[hover(t) for t in rows],
                hoverinfo="text",
            )
        )
    fig.add_vline(
        x=budget_ms,
        line_dash="dash",
        line_color="#d64545",
        annotation_text=f"budget {budget_ms:g} ms",
    )
    fig.update_layout(
        title=title,
        xaxis_title="latency (ms)",
        yaxis_title="top-1 on held-out split (%)",
        template="plotly_white",
    )
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return Path(path)
