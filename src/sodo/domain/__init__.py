"""Plain typed domain objects: periods, org units, programmes. No I/O beyond package data."""
