"""Upstream Tierkreis's side of the run-layout checks, run with its own code (under the pydantic
stand-in). Commands, each printing one JSON object:

  run    <tkr_dir> <workflow_id> <graph.json> <inputs.json>  upstream's controller runs the graph
  read   <tkr_dir> <workflow_id> <graph.json> [loop ...]     read_outputs and read_loop_trace
  resume <tkr_dir> <workflow_id> <graph.json> [loop ...]     resume_graph, then as `read`
  dump   <tkr_dir> <workflow_id> <graph.json>                the run directory's files, and the text
                                                             of its node definitions, values and debug files
  view   <tkr_dir> <workflow_id> <graph.json>                what upstream's visualizer shows of
                                                             each eval, loop and map node (times left out)

Only builtins are called, which upstream runs itself (its builtins worker, found through TKR_DIR).
"""

import json
import sys
from pathlib import Path
from uuid import UUID

from tierkreis.controller import resume_graph, run_graph
from tierkreis.controller.data.graph import GraphData
from tierkreis.controller.data.location import Loc
from tierkreis.controller.executor.shell_executor import ShellExecutor
from tierkreis.controller.storage.filestorage import ControllerFileStorage
from tierkreis.storage import read_loop_trace, read_outputs


def setup(tkr_dir: str, workflow_id: str, graph_file: str):
    storage = ControllerFileStorage(UUID(workflow_id), name="layout", tierkreis_directory=Path(tkr_dir))
    # No launcher is used: every task is a builtin.
    executor = ShellExecutor(Path(tkr_dir) / "no-launchers", storage.workflow_dir)
    graph = GraphData(**json.loads(Path(graph_file).read_text()))
    return storage, executor, graph


def read(storage, graph, loops: list[str]) -> dict:
    return {
        "outputs": read_outputs(graph, storage),
        "traces": {name: read_loop_trace(graph, storage, name) for name in loops},
    }


def view(storage) -> dict:
    # The visualizer's data functions raise fastapi's HTTPException; fastapi is not installed here
    # and nothing else of it is used.
    import types

    fastapi = types.ModuleType("fastapi")
    fastapi.HTTPException = type("HTTPException", (Exception,), {})
    sys.modules.setdefault("fastapi", fastapi)
    from tierkreis_visualization.data.graph import get_node_data

    shown = {}
    for folder in sorted(p.name for p in storage.workflow_dir.iterdir() if (p / "nodedef").exists()):
        if storage.read_node_def(Loc(folder)).type not in ("eval", "loop", "map"):
            continue
        data = json.loads(get_node_data(storage, Loc(folder)).model_dump_json())
        for node in data["nodes"]:
            node.pop("started_time", None)
            node.pop("finished_time", None)
        shown[folder] = data
    return shown


def dump(storage) -> dict:
    root = storage.workflow_dir
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    kept = [f for f in files if f.endswith("/nodedef") or "/outputs/" in f or f.startswith("debug/")]
    return {"files": files, "texts": {f: (root / f).read_bytes().decode("utf-8", "backslashreplace") for f in kept}}


def main(command: str, tkr_dir: str, workflow_id: str, graph_file: str, *rest: str) -> None:
    storage, executor, graph = setup(tkr_dir, workflow_id, graph_file)
    if command == "run":
        inputs = json.loads(Path(rest[0]).read_text())
        run_graph(storage, executor, graph, inputs, n_iterations=100000, polling_interval_seconds=0.01)
        print(json.dumps({"finished": storage.is_node_finished(Loc())}))
        return
    if command == "dump":
        print(json.dumps(dump(storage), indent=1, sort_keys=True))
        return
    if command == "view":
        print(json.dumps(view(storage), sort_keys=True))
        return
    if command == "resume":
        resume_graph(storage, executor, n_iterations=100000, polling_interval_seconds=0.01)
    print(json.dumps(read(storage, graph, list(rest))))


main(*sys.argv[1:])
