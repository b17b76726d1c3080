"""sodo (số đo): measure a national digital-transformation programme by its results."""

__version__ = "0.1.0"
