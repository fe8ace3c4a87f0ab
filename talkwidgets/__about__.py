"""The package version, in a module that imports nothing (the server and the CLI read it cheaply)."""

__version__ = "0.1.0"
