"""Where a Display draws: the one `ax` argument of every `plot`, and the attributes it sets.

`ax` is None (a new figure), an Axes (drawn in; a multi-panel view takes over the Axes' slot
of its grid), a Figure or a SubFigure (filled whole). After `plot`, ``figure_`` is the root
Figure (what `save_figure` writes), ``ax_`` the view's main Axes and ``axes_`` an ndarray of
every panel's Axes.
"""

from __future__ import annotations

import numpy as np


def _check_ax(ax) -> None:
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if ax is not None and not isinstance(ax, (Axes, FigureBase)):
        raise TypeError("`ax` must be a matplotlib Axes, Figure or SubFigure, or None. "
                        f"Got {type(ax).__name__} instead.")


def container(ax, figsize: tuple[float, float]):
    """The Figure or SubFigure a multi-panel view fills.

    None: a new constrained-layout figure of `figsize` inches. An Axes: its slot of the grid
    becomes a SubFigure (the view's suptitle stays in that slot). A Figure or SubFigure:
    itself.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    _check_ax(ax)
    if ax is None:
        return _own(plt.figure(figsize=figsize, layout="constrained"))
    if isinstance(ax, Axes):
        spec = ax.get_subplotspec()
        if spec is None:
            raise ValueError("`ax` must be an Axes of a grid (from subplots or add_subplot) "
                             "for a view of several panels; got an Axes placed by position. "
                             "Pass a Figure or SubFigure instead.")
        parent = ax.get_figure(root=False)
        ax.remove()
        return _own(parent.add_subfigure(spec))
    return _own(ax)


def _own(fig):
    """Mark a Figure or SubFigure as the view's own (it fills it whole): `finish` makes its
    title plain too."""
    fig._hiddenlens_view = True
    return fig


def panel_axes(ax, rows: int, cols: int, figsize: tuple[float, float], *,
               sharey: bool = False, **gridspec_kw):
    """(container, ndarray of Axes of shape (rows, cols)) laid out on a grid in `ax`.

    See `container` for what `ax` may be; `gridspec_kw` go to ``add_gridspec``.
    """
    fig = container(ax, figsize)
    gs = fig.add_gridspec(rows, cols, **gridspec_kw)
    axes = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for c in range(cols):
            share = axes[0, 0] if sharey and (r or c) else None
            axes[r, c] = fig.add_subplot(gs[r, c], sharey=share)
    return fig, axes


def single_axes(ax, figsize: tuple[float, float]):
    """The one Axes a single-panel view draws in: `ax` itself, one filling a Figure or
    SubFigure, or one on a new constrained-layout figure of `figsize` inches."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    _check_ax(ax)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        _own(fig)
        return ax
    if isinstance(ax, Axes):
        return ax
    return _own(ax).add_subplot()


def root_figure(artist):
    """The top-level Figure of an Axes, Figure or SubFigure (what is saved to a file)."""
    return artist.get_figure(root=True)


def axes_inches(ax) -> tuple[float, float]:
    """The width and height of `ax` in inches, before layout (for aspect-correct drawing)."""
    parent = ax.get_figure(root=False)
    box = ax.get_position()
    dpi = root_figure(ax).dpi
    return parent.bbox.width * box.width / dpi, parent.bbox.height * box.height / dpi


def finish(display, axes, main):
    """Set the Display's `figure_`, `ax_` (`main`) and `axes_` (every panel), return it.

    Every text the Display drew (in its panels, their colour bars and, for a view of several
    panels, its container's title) is made plain: a "$" in a name read from a file is shown as
    a "$", never parsed as mathtext. A caller's own panels and titles are left alone.
    """
    from hiddenlens.plot._grid import plain_texts

    display.figure_ = root_figure(main)
    display.ax_ = main
    display.axes_ = np.asarray(axes, dtype=object) if not isinstance(axes, np.ndarray) \
        else axes
    panels = [a for a in display.axes_.flat if a is not None]
    bars = [m.colorbar.ax for a in panels for m in [*a.images, *a.collections]
            if getattr(m, "colorbar", None) is not None]
    plain_texts(*panels, *bars)
    parent = main.get_figure(root=False)
    if getattr(parent, "_hiddenlens_view", False) and parent._suptitle is not None:
        plain_texts(parent._suptitle)  # the view's own container: its title is the view's
    return display
