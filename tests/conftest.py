"""The support modules are pytest plugins: their fixtures reach every test without an import.

Test modules import only helper functions and classes from them (``from tests.server_support import ok``).
"""

pytest_plugins = [
    "tests.server_support",
    "tests.session_support",
    "tests.browser_support",
    "tests.jupyter_support",
    "tests.serve_process",
]
