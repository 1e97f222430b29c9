"""Blueprint-free helpers shared by every feature package."""
