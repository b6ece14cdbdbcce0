"""Back up a whole Looker instance into one SQLite file."""

__version__ = "0.1.0"
