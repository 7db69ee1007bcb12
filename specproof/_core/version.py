"""specproof's own version, defined once (the package and every provenance record read it)."""

__version__ = "0.1.0"
