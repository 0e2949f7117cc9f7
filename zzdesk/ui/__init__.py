"""The PySide6 desktop GUI; talks to services only."""
