"""Statutes: laws, their versions and articles (from e-Gov XML), the citation grammar and article pages."""
