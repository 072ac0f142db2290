"""collusion: find signs of bid collusion (围标串标) among the bids of one tender."""

from importlib.metadata import PackageNotFoundError, version

try:
    # One place for the version: pyproject.toml, read back from the installed metadata.
    __version__ = version("collusion")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"
