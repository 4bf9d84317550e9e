"""Imports each stubs.py given as an argument, with upstream Tierkreis on the path, and checks
that every task class names its worker: a file that upstream's graph builder could not use
fails here. Prints one line per file."""

import importlib.util
import sys
import typing


def check(path: str) -> str:
    spec = importlib.util.spec_from_file_location("stubs_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and isinstance(getattr(value, "namespace", None), property)
    ]
    for task in tasks:
        task.out()
        typing.get_type_hints(task)
    return f"{path}: {len(tasks)} tasks"


for path in sys.argv[1:]:
    print(check(path))
