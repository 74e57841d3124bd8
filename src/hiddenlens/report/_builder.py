"""Assemble the report: compute the shared context once, build each section, fill the template."""

from __future__ import annotations

import datetime
from pathlib import Path

from hiddenlens._validation import check_choice
from hiddenlens.report._importance import importance_section
from hiddenlens.report._sections import (
    Context,
    Section,
    diagram_section,
    model_section,
    traces_section,
)
from hiddenlens.report._units import classes_section, layer_section

SECTIONS = ("model", "diagram", "layers", "classes", "importance", "traces")


def _steps(net, sections=SECTIONS) -> list[tuple[str, object]]:
    """(label, build(ctx) -> Section) in the order the report shows them."""
    steps = {"model": [("the model", model_section)],
             "diagram": [("the network diagram", diagram_section)],
             "layers": [(f"layer {l}", lambda ctx, l=l: layer_section(ctx, l))
                        for l in range(net.n_layers)],
             "classes": [("top units per class", classes_section)],
             "importance": [("feature importance", importance_section)],
             "traces": [("forward traces", traces_section)]}
    return [step for name in SECTIONS if name in sections for step in steps[name]]


def _check_sections(sections) -> tuple[str, ...]:
    if sections is None:
        return SECTIONS
    sections = (sections,) if isinstance(sections, str) else tuple(sections)
    for name in sections:
        check_choice(name, "sections", SECTIONS)
    if not sections:
        raise ValueError(f"`sections` must name at least one of {', '.join(SECTIONS)}.")
    return sections


def _context(net, data) -> Context:
    from hiddenlens._classes import dataset_labels
    from hiddenlens._evaluation import evaluate

    X, y = data.X_test, dataset_labels(net, data.y_test)  # the model's labels
    return Context(net=net, data=data, X=X, y=y,
                   evaluation=evaluate(net, X, y))


def build_report(net, data=None, *, sections=None, progress: bool = True) -> str:
    """The report for `net` as one self-contained HTML string.

    Parameters
    ----------
    net : DenseNet
    data : Dataset or str, optional
        A data set or its name, to evaluate and explain on (its test split); default: the
        model's own, else the built-in digits.
    sections : sequence of str, optional
        Only these of "model", "diagram", "layers", "classes", "importance", "traces" (in
        the report's order); default: all.
    progress : bool, default=True
        Show a progress bar, one step per section.

    Returns
    -------
    str
        An HTML page whose pictures are inline base64 PNG: it fetches nothing.
    """
    import matplotlib

    from hiddenlens._version import __version__
    from hiddenlens.data import for_model

    sections = _check_sections(sections)
    data = for_model(net, data, progress=progress)
    backend = matplotlib.get_backend()
    matplotlib.use("Agg")
    try:
        built = _build_sections(net, data, sections, progress)
    finally:
        matplotlib.use(backend)
    return _render(net, data, built, __version__)


def _build_sections(net, data, names, progress: bool) -> list[Section]:
    from hiddenlens._progress import progress_bar

    steps = _steps(net, names)
    with progress_bar(progress, len(steps) + 1, "report: tracing the test split") as advance:
        ctx = _context(net, data)
        advance()
        sections = []
        for label, build in steps:
            advance(0, description=f"report: {label}")
            sections.append(build(ctx))
            advance()
    return sections


def _render(net, data, sections: list[Section], version: str) -> str:
    """Fill templates/report.html; autoescaping shows every name from a file as text."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("hiddenlens.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("report.html").render(
        title=f"hiddenlens report: {net.describe_sizes()} network",
        subtitle=f"{net!r}, explained on the test split of {data.name} "
                 f"({len(data.X_test)} examples).",
        sections=sections, version=version,
        date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))


def write_report(net, path, data=None, *, overwrite: bool = False, progress: bool = True,
                 sections=None) -> Path:
    """Write the report for `net` to `path` as one self-contained HTML file.

    Parameters
    ----------
    net : DenseNet
    path : path
        The .html file to write (atomically); an existing file is refused unless `overwrite`.
    data : Dataset or str, optional
        Default: the model's own data set, else the built-in digits.
    overwrite : bool, default=False
    progress : bool, default=True
    sections : sequence of str, optional
        Only these sections (see `build_report`); default: all.

    Returns
    -------
    Path
        `path`.

    Examples
    --------
    >>> net = hiddenlens.train_preset("nielsen")          # doctest: +SKIP
    >>> hiddenlens.write_report(net, "report.html")       # doctest: +SKIP
    """
    from hiddenlens._files import atomic_write_text, check_writable

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"The report is an HTML file; give a path ending in .html. Got {path}.")
    check_writable(path, overwrite)  # fail before minutes of work, not after
    page = build_report(net, data, sections=sections, progress=progress)
    atomic_write_text(path, page, overwrite)
    return path
