"""Releases: frozen, citable versions of the validated data (issue 20 §1, §3).

:mod:`graph.release.hashes` computes each claim's content hash (the graph ``content-hashes``
of every publication), :mod:`graph.release.freeze` writes a release folder,
:mod:`graph.release.changelog` compares a release with the previous one and
:mod:`graph.release.folder` reads the releases a folder holds. This package imports nothing of
:mod:`graph` at the top of ``graph.release`` itself, so that :mod:`graph` may use the hashes.
"""
