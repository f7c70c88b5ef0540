"""PhotoShare client core and command line (no UI imports)."""

# The client's own version (shown in Settings; the phone app carries no server package). Kept equal to the
# server's by tests/unit/test_versions.py.
__version__ = "0.1.0"
