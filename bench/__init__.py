"""Benchmarks, run by hand from the repository root (``.venv/bin/python -m bench.<name>``); not tests.

They reuse the test suite's browser and JupyterLab helpers (``tests.browser_support``, ``tests.jupyter_support``)
and its process helpers (``tests.process_support``).
"""
