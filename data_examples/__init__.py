"""Data for the example: sentences written for this project (see each module)."""
