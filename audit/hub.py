"""Network policy for the Hugging Face Hub: offline mode and a fast reachability check.

The Hub libraries retry unreachable hosts with back-off for tens of seconds; an audit in CI should
instead fail at once with a message naming the local alternative. Before any Hub call we check
that the endpoint answers within a few seconds; when it does not (or the user asked for offline
mode with ``--offline`` or ``HF_HUB_OFFLINE=1``), the Hub libraries are switched to offline mode so
that only their local cache is consulted, and no network call is attempted.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

#: Seconds to wait for the Hub endpoint before treating the network as absent.
PROBE_TIMEOUT = 3.0


def is_hub_id(spec: str) -> bool:
    """A spec is a Hub id when it is not an existing path and looks like ``name`` or ``owner/name``."""
    return not Path(spec).exists() and spec.count("/") <= 1 and not spec.startswith((".", "/", "~"))


def offline_requested(offline: bool = False) -> bool:
    """True when the user asked for offline mode (flag or the Hub's environment variables)."""
    return offline or any(os.environ.get(v, "").lower() in ("1", "true", "yes")
                          for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_reachable(timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to the Hub endpoint opens within ``timeout`` seconds."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except OSError:
        return False


def prepare(offline: bool = False) -> bool:
    """Decide whether Hub calls may use the network; switch the libraries offline if not.

    Returns True when the network will be used. Offline, the Hub libraries read only their cache.
    """
    use_network = not offline_requested(offline) and hub_reachable()
    if not use_network:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        import huggingface_hub.constants as hub_constants

        hub_constants.HF_HUB_OFFLINE = True
        try:
            import datasets.config

            datasets.config.HF_HUB_OFFLINE = True
        except ImportError:
            pass
    return use_network
