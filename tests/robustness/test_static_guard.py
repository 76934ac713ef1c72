"""Static guard: no code in src/ceasemon evaluates strings or deserialises objects from data.

Every module is parsed (``ast``) and searched for: ``eval``/``exec``/``compile``/
``__import__``; ``pickle``/``marshal``/``shelve``/``dill``/``cloudpickle`` loads;
``yaml.load`` without a safe loader, ``yaml.unsafe_load``/``full_load`` and the unsafe
loader classes; ``pandas.read_pickle``; ``numpy.load(allow_pickle=True)``; ``os.system``,
``os.popen`` and ``shell=True``.  A self-test shows that the scanner finds each of them.
(The process pool pickles the runner's own objects between processes; that is not data.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ceasemon

SRC = Path(ceasemon.__file__).parent

BANNED_NAMES = {"eval", "exec", "compile", "__import__", "execfile", "input"}
DESERIALISERS = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle"}
UNSAFE_YAML = {"unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
UNSAFE_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader", "_Loader", "_FastLoader"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def findings(source: str, filename: str = "<src>") -> list[str]:
    """What the guard objects to in ``source``: ``file:line: what``."""
    tree = ast.parse(source, filename)
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for mod in mods:
                if mod and mod.split(".")[0] in DESERIALISERS:
                    flag(node, f"imports {mod}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                for a in node.names:
                    if a.name in UNSAFE_YAML | UNSAFE_LOADERS or a.name == "load":
                        flag(node, f"imports yaml.{a.name}")
        elif (
            isinstance(node, ast.Attribute)
            and _dotted(node.value) == "yaml"
            and node.attr in UNSAFE_LOADERS | UNSAFE_YAML
        ):
            flag(node, f"uses yaml.{node.attr}")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        banned = isinstance(node.func, ast.Name) and name in BANNED_NAMES
        if banned or (name.split(".")[0] in DESERIALISERS and last.startswith("load")):
            flag(node, f"calls {name}()")
        elif name in ("yaml.load", "yaml.load_all"):
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            text = _dotted(loader) if loader is not None else ""
            if text.rsplit(".", 1)[-1] not in SAFE_LOADERS:
                flag(node, f"calls {name}() without a safe loader")
        elif last == "read_pickle":
            flag(node, f"calls {name}()")
        elif last == "load" and name.split(".")[0] in ("np", "numpy"):
            allow = _kw(node, "allow_pickle")
            if not (isinstance(allow, ast.Constant) and allow.value is False) and allow is not None:
                flag(node, f"calls {name}(allow_pickle=...)")
        elif name in ("os.system", "os.popen", "os.execv", "os.execvp", "os.spawnl"):
            flag(node, f"calls {name}()")
        shell = _kw(node, "shell")
        if isinstance(shell, ast.Constant) and shell.value is True:
            flag(node, f"calls {name}(shell=True)")
    return found


#: The one place the package pickles on purpose, and why it is not data: the runner's own
#: ``Task``, pickled by the parent process and sent to its own workers through the process
#: pool, whose pipe is pickle anyway (``experiment/worker.py``: ``PackedTask``, unpickled
#: once per worker instead of once per replication).  Each entry is exact: another line
#: that pickles, in this module or any other, fails the test.
ALLOWED = {
    "experiment/worker.py": {"imports pickle": 2, "calls pickle.loads()": 1},
}


def test_the_package_evaluates_no_strings_and_unpickles_no_data():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20, "the package was not found"
    problems = []
    for path in files:
        name = str(path.relative_to(SRC))
        found = findings(path.read_text(encoding="utf-8"), name)
        kinds = [f.split(": ", 1)[1] for f in found]
        allowed = ALLOWED.get(name, {})
        if (
            allowed
            and all(kinds.count(k) == n for k, n in allowed.items())
            and set(kinds) <= set(allowed)
        ):
            continue
        problems += found
    assert problems == [], "\n".join(problems)


def test_the_yaml_loaders_are_safe_loaders():
    import yaml

    from ceasemon.scenario import yamlio

    for loader in (yamlio._Loader, yamlio._FastLoader):
        assert issubclass(loader, yaml.SafeLoader | getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert "tag:yaml.org,2002:python/object/apply" not in loader.yaml_constructors
        assert not any("python" in str(t) for t in loader.yaml_multi_constructors)


BAD_SNIPPETS = {
    "eval": "eval('1 + 1')",
    "exec": "exec(text)",
    "compile": "compile(src, 'f', 'exec')",
    "__import__": "__import__('os')",
    "pickle import": "import pickle",
    "pickle loads": "import pickle as p\np.loads(b)",
    "marshal": "from marshal import loads",
    "yaml.load without loader": "import yaml\nyaml.load(text)",
    "yaml.load with Loader": "import yaml\nyaml.load(text, Loader=yaml.Loader)",
    "yaml.unsafe_load": "import yaml\nyaml.unsafe_load(text)",
    "yaml.full_load": "import yaml\nyaml.full_load(text)",
    "from yaml import load": "from yaml import load",
    "unsafe loader base": "import yaml\nclass L(yaml.UnsafeLoader): pass",
    "read_pickle": "import pandas as pd\npd.read_pickle('x')",
    "allow_pickle": "import numpy as np\nnp.load('x', allow_pickle=True)",
    "os.system": "import os\nos.system('ls')",
    "shell=True": "import subprocess\nsubprocess.run('ls', shell=True)",
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS.values(), ids=BAD_SNIPPETS.keys())
def test_the_guard_finds_each_pattern(snippet):
    assert findings(snippet), f"the guard missed: {snippet!r}"


def test_the_guard_accepts_safe_code():
    safe = (
        "import re, yaml, json, numpy as np\n"
        "re.compile('x')\n"
        "yaml.load(text, Loader=yaml.SafeLoader)\n"
        "yaml.load(text, Loader=_FastLoader)\n"
        "json.loads(text)\n"
        "np.load('x')\n"
        "model.evaluate(x)\n"
    )
    assert findings(safe) == []
