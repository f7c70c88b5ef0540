"""Portable SQL, one module per table family. Functions take a ``Conn`` and run inside a unit of work."""
