"""Curriculum: courses and their ordered modules."""
