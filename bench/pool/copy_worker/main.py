"""The trivial task of the pool benchmark: copies its input `x` to its output `value` and marks the
task done, reading the definition as a Tierkreis worker does (relative to TKR_DIR)."""
import json
import os
import sys
from pathlib import Path

root = Path(os.environ["TKR_DIR"])
call = json.loads((root / sys.argv[1]).read_text())
(root / call["outputs"]["value"]).write_bytes((root / call["inputs"]["x"]).read_bytes())
(root / call["done_path"]).touch()
