"""What a claim's run leaves on disk: its figures and certificate documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from specproof._core import to_jsonable


def _png_bytes(fig) -> bytes:
    import io

    from specproof.plotting import finish_figure

    # compared as they will be saved: the style changes fonts and ticks, and a control
    # that differs from its check only before styling is still the same picture
    finish_figure(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


def _same_picture(fig, other) -> bool:
    try:
        return _png_bytes(fig) == _png_bytes(other)
    except Exception:  # a figure that cannot render is left to the save step to report
        return False


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def _save_certificates(docs: dict[str, Any], stem: Path | None) -> tuple[str, ...]:
    if stem is None or not docs:
        return ()
    stem.parent.mkdir(parents=True, exist_ok=True)
    names = []
    for name, doc in docs.items():
        path = stem.with_name(f"{stem.name}.{name}.json")
        text = doc if isinstance(doc, str) else json.dumps(to_jsonable(doc), indent=1)
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        names.append(path.name)
    return tuple(names)


def _draw(fig) -> None:
    """Render ``fig`` once without writing a file (Agg canvases draw in place)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if isinstance(fig.canvas, FigureCanvasAgg):
        fig.canvas.draw()
    else:  # another backend's canvas: a PNG into memory draws the same text and paths
        import io

        fig.savefig(io.BytesIO(), format="png")


def _save_figure(fig, stem: Path | None) -> str | None:
    # closed for pyplot (no figure piles up in its manager), kept as an object: a closed
    # figure still draws, saves and displays
    try:
        if stem is None:
            # drawn all the same: a figure that cannot be drawn (a mathtext typo) must be
            # the claim's ERROR here too, as it is when verify saves it; run_claim and the
            # test helpers passed such a claim that verify then reported as an ERROR
            _draw(fig)
            return None
        from specproof.plotting import save_figure

        save_figure(fig, stem)
        return stem.name
    finally:
        _close(fig)
