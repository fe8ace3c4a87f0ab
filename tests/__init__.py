"""The test suite, a package so that tests, benchmarks and doc scripts import its support modules by one name.

Fixtures live in the ``*_support`` modules, registered as pytest plugins in ``conftest.py``.
"""
