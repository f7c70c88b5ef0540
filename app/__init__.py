"""PhotoShare client core and command line (no UI imports)."""
