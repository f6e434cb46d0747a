"""Embedded local AWS backend: moto server 5.2.5 extended in process.

* ``python -m local_backend up|down|status|serve`` - see ``cli.py`` and README.md.
* ``local_backend.server.start_in_thread()`` - the same server in a thread, for pytest.
* ``local_backend.requests.mutating()`` - classify the request log.

Importing this package does not import moto.
"""

__all__ = ["cli", "eks", "latency", "requests", "server"]
