"""Lessons: lessons, completions, the Markdown pipeline, lesson pages and the glossary."""
