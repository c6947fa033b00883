"""handouts: printable, branded, translated patient handouts."""

from ._imports import defer_optional_imports

__version__ = "0.1.0"

# Before any module imports ReportLab, which imports these whether or not they are used.
defer_optional_imports()
