"""Reads graph files and nodedef files with upstream Tierkreis's own models (its pydantic
GraphData and NodeDefModel) and writes them back as upstream does: each must come back byte for
byte (but for `graph_inputs`, a set that Python lists in hash order), so upstream reads exactly
what was written. Arguments: files ending in .json are graphs (`body` port files), others hold
one nodedef per line. Prints one line per file."""

import json
import sys

from tierkreis.controller.data.graph import GraphData, NodeDefModel
from tierkreis.controller.data.types import bytes_from_ptype


def sorted_inputs(text: str) -> str:
    def hook(pairs: list) -> dict:
        return {k: sorted(v) if k == "graph_inputs" else v for k, v in pairs}

    return json.dumps(json.loads(text, object_pairs_hook=hook))


def check(path: str) -> str:
    text = open(path, encoding="utf-8").read()
    if path.endswith(".json"):
        graph = GraphData(**json.loads(text))
        again = bytes_from_ptype(graph).decode()
        same = sorted_inputs(again) == sorted_inputs(text)
        assert same, f"{path}: upstream writes\n{again}\nnot\n{text}"
        return f"{path}: graph of {len(graph.nodes)} nodes"
    lines = text.splitlines()
    for line in lines:
        again = NodeDefModel(**json.loads(line)).model_dump_json()
        assert again == line, f"{path}: upstream writes\n{again}\nnot\n{line}"
    return f"{path}: {len(lines)} nodedefs"


for path in sys.argv[1:]:
    print(check(path))
