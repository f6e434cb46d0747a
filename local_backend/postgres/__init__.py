"""The local PostgreSQL server behind RDS instances of engine postgres (``up --postgres``).

* ``server`` - the server process: ``initdb`` once per state dir, start/stop/status (no moto).
* ``bridge`` - the moto side, inside ``serve``: instance endpoints that reach the server, master roles and
  databases that follow CreateDBInstance / ModifyDBInstance / DeleteDBInstance.
"""
