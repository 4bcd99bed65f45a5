"""The package list for setuptools; everything else is in pyproject.toml.

The packages are found, not listed, so a new subpackage cannot be left out of the wheel.
`templates/` stays at the top of the repository (the client's layout) and is shipped inside
the wheel as the package `booklet.templates`, which booklet reads with importlib.resources.
pyproject.toml alone cannot add a folder from outside `booklet/` to a found package list.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["booklet", "booklet.*"]), "booklet.templates"],
    package_dir={"booklet.templates": "templates"},
)
