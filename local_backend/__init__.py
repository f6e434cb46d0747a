"""Embedded local backends for the demo, molecule and the tests, one package per backend.

* ``python -m local_backend up|down|status|serve`` - see ``cli.py`` and README.md.
* ``aws/`` - the AWS APIs: moto server 5.2.5 extended in process (``local_backend.aws.server.start_in_thread()``
  for pytest, ``local_backend.aws.requests.mutating()`` to classify the request log).
* ``postgres/`` - the PostgreSQL server behind RDS instances of engine postgres (``up --postgres``).

Importing this package does not import moto.
"""
