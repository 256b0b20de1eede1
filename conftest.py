"""Collection settings: a module whose optional dependencies are missing is
not imported for its doctests (its tests skip themselves)."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:  # the [onnx] extra
    collect_ignore.append("sknn_intuition/onnx.py")
if importlib.util.find_spec("distributed") is None:  # the [dask] extra
    collect_ignore.append("sknn_intuition/dask.py")
