"""Rendering: the Document type, the formats table and negotiation, JSON-LD, HTML pages."""
