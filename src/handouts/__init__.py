"""handouts: printable, branded, translated patient handouts."""

__version__ = "0.1.0"
