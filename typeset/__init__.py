"""typeset: lays out Chinese periodicals and writes print-ready PDF."""

__version__ = "0.1.0"
