"""Building the publication: the store opened, its indexes, every document and representation."""
