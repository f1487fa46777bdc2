"""placeholder"""

from __future__ import annotations

MODEL_TYPE: object = None
