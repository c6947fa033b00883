"""handouts: printable, branded, translated patient handouts."""

from .internals import prepare

__version__ = "0.1.0"

# Before any module imports ReportLab (see handouts.internals, start-up).
prepare()


def render_pdf(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 (see handouts.api.render_pdf)
    """Build one handout and return its PDF bytes; see :func:`handouts.api.render_pdf`."""
    from .api import render_pdf as render

    return render(*args, **kwargs)
