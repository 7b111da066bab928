"""Sphinx configuration of skdeepcluster's documentation.

Build it from the repository root (the ``docs`` extra installs what it needs)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery's examples (``examples/``) run during the build, on matplotlib's non-interactive
Agg backend, and their figures are written into the pages.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import skdeepcluster  # noqa: E402

project = "skdeepcluster"
author = "the skdeepcluster developers"
copyright = "2026, " + author
release = skdeepcluster.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5"]
templates_path = ["_templates"]

autosummary_generate = True
numpydoc_show_class_members = False  # autosummary's pages list the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "min_reported_time": 1,
}

html_theme = "pydata_sphinx_theme"
html_title = "skdeepcluster"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []
