"""Local Kubernetes API stand-in (see local_backend/README.md, "Kubernetes API stand-in").

``python -m local_backend.kubernetes serve --state-dir DIR`` serves it over HTTPS on 127.0.0.1 and writes
``DIR/kubeconfig`` (0600); ``local_backend up`` starts it next to the AWS emulator.
Plug-in point for simulated controllers: :func:`register_controller`.
"""

from .controllers import register_controller, unregister_controller

__all__ = ["register_controller", "unregister_controller"]
