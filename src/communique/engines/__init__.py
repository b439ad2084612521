"""Engines that run the per-document pipeline somewhere else than this process.

:mod:`communique.engines.dask` runs it over partitions on a Dask cluster (imported only when
asked for: dask stays a lazy import).
"""
