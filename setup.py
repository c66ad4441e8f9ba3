"""Setuptools shim for `scrapyd-deploy`, which builds the project's egg with `python setup.py bdist_egg`.

Everything else (name, version, packages, dependencies, entry points) is in
pyproject.toml. Only the egg gets the seed files, at its root beside the
`crawler` package, where `crawler/settings.py` looks for them (SEEDS_DIR):
a deployed project then crawls without a checkout on the scrapyd server.
"""

import sys
from glob import glob

from setuptools import setup

setup(data_files=[("seeds", sorted(glob("seeds/*.toml")))] if "bdist_egg" in sys.argv else [])
