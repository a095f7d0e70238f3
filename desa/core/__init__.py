"""The thin shared core: no domain imports."""
