"""The local AWS backend: moto server 5.2.5, extended in process.

* ``server`` - moto's WSGI app with the extensions, the ``/_local`` endpoints, ``start_in_thread()`` and
  ``serve()``.
* ``requests`` - the request log and ``mutating()`` (no moto import).
* ``latency`` - latency mode and its clock (no moto import).
* One module per service family, each fixing the moto gaps of that service: ``eks/`` (one module per
  API family), ``rds``, ``elasticache``, ``ec2``, ``kms``, ``backup``. The map of gap -> file -> test is
  ``local_backend/README.md``.

Importing this package does not import moto.
"""
