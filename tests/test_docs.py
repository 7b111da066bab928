"""The documentation's sources: the API reference lists every public name, every public
estimator's docstring has an Examples section (run as a doctest), the README stays short.

The site itself is built by ``.ci/run`` (Sphinx with warnings as errors, the gallery run).
"""

import inspect
import re
from pathlib import Path

import pytest

import skdeepcluster
from skdeepcluster import datasets, functional, metrics, nn, training

ROOT = Path(__file__).resolve().parent.parent
MODULES = [skdeepcluster, datasets, metrics, functional, nn, training]


def documented_names():
    """The names the API reference's autosummary tables list, per ``currentmodule``."""
    names, module = set(), None
    for line in (ROOT / "docs" / "api.rst").read_text().splitlines():
        found = re.match(r"\.\. currentmodule:: (\S+)", line)
        if found:
            module = found.group(1)
        elif re.match(r"   [A-Za-z_]\w*$", line):
            names.add(f"{module}.{line.strip()}")
    return names


def public_callables(module):
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_api_reference_lists_every_public_class_and_function(module):
    missing = {name for name, _ in public_callables(module)} - documented_names()
    assert not missing, f"add these to docs/api.rst: {sorted(missing)}"


def test_api_reference_lists_nothing_that_is_gone():
    public = {name for module in MODULES for name, _ in public_callables(module)}
    assert documented_names() <= public


@pytest.mark.parametrize("name", sorted(name for name, _ in public_callables(skdeepcluster)))
def test_every_estimator_has_an_examples_section(name):
    obj = getattr(skdeepcluster, name.rsplit(".", 1)[1])
    examples = obj.__doc__.partition("Examples\n    --------\n")[2]
    assert ">>> " in examples



def test_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 150
