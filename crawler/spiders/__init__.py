"""Spiders: they only decide which links to follow; parsers read the pages."""
