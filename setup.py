"""Installs al2_keras: every setting is in pyproject.toml (PEP 621); this file serves tools that still look for it."""

from setuptools import setup

setup()
