"""sitegen: turn a folder of troubleshooting write-ups into a searchable static knowledge base."""

__version__ = "0.1.0"
