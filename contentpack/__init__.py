"""The content pack: check, import and export the course as Markdown + YAML files (CLI group `content`)."""
