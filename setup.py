"""Package discovery, which pyproject.toml alone cannot express here.

Every ``translator.*`` package is found, none listed by hand (a hand-written list
once left ``translator.glossary`` out of the wheel). The design card keeps the
templates in a top-level ``templates/`` folder; they ship as ``translator.templates``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["translator", "translator.*"]), "translator.templates"],
    package_dir={"translator.templates": "templates"},
)
