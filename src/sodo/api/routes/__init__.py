"""API route modules; every module here that defines ``router`` is included under /api/v1."""
