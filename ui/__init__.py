"""The Flet client: views and components only. Everything that is not drawing lives in ``app/``."""
