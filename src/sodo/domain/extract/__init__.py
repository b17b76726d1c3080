"""Directives to tasks: pure rules that read a Vietnamese directive and propose its tasks."""
