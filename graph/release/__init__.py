"""Releases: frozen, citable versions of the validated data (issue 20 §1, §3).

:mod:`graph.release.hashes` computes each claim's content hash (the graph ``content-hashes``
:func:`graph.parse` adds), :mod:`graph.release.freeze` writes a release folder,
:mod:`graph.release.changelog` compares a release with the previous one and
:mod:`graph.release.folder` reads the releases a folder holds. This file imports nothing, and
:mod:`graph.release.hashes` nothing of :mod:`graph`, so that :mod:`graph` can use the hashes.
"""
