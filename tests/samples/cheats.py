"""The cheat matrix: ways a student could try to get points for garbage.

Each :class:`Technique` is code a student adds in a cell of its own, right after a
*garbage* solution of one part (:data:`TARGETS`: one part of each of three
assignments, whose functions return wrong values).  Every technique tries to make
the in-kernel checks pass or disappear -- by rebinding or patching the test helpers
(also under names built at run time), the reference, numpy, ``builtins``,
``sys.modules``, IPython's hooks, transformers and exception handling, the output
streams and display, a trace function, a background thread, or by exiting early,
or by submitting forged outputs and metadata.

What grading must do with every one of them (``tests/course/test_cheats.py``): the
garbage part earns 0, every honest part of the same notebook keeps its points, the
rest of the class is unaffected, and the technique is flagged where it leaves a
trace (``flags``: kinds of :mod:`gradlib_course.integrity` that must be raised).

The techniques are written against the notebooks' public surface (``check_close``,
``gradlib.grading``, numpy, IPython), not against one assignment, except
:data:`TARGETS`' ``reference``: the gradlib function each part is graded against.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from gradlib_course.demo_answers import PATCH_NUMPY


@dataclass(frozen=True)
class Target:
    solution: str  # grade_id of the solution cell replaced by garbage
    tests: str  # grade_id of its test cell (must earn 0)
    function: str  # the name the garbage defines (a function or a class)
    garbage: str  # the garbage solution
    reference: str  # code that makes the in-kernel reference agree with the garbage
    # code defining ``_delegate``: the target's function (or class) computed by gradlib's
    # own implementation -- what a student who wants the points without the work calls
    delegate: str = ""


@dataclass(frozen=True)
class Technique:
    code: str  # the cell added after the garbage solution ({function}, {reference}: the target's)
    flags: frozenset  # flag kinds that must be raised
    what: str
    edit: Callable[[dict, Target], None] | None = None  # changes the submitted notebook itself

    def cell(self, target: Target) -> str:
        return (
            self.code.replace("{reference}", target.reference)
            .replace("{delegate}", target.delegate)
            .replace("{function}", target.function)
        )


NOOP = "lambda *args, **kwargs: None"

TARGETS = {
    "01-chain-rule": Target(
        "backward",
        "backward-tests",
        "neuron_backward",
        "def neuron_backward(x, w, y):\n    return np.zeros(len(w))\n",
        "import gradlib.book.neuron\n"
        "gradlib.book.neuron.neuron_loss_and_gradient = lambda x, w, y: (0.0, np.zeros(len(w)))\n",
        "def _delegate(x, w, y):\n"
        "    module = __import__('gradlib.book.' + 'neuron', fromlist=['_'])\n"
        "    return getattr(module, 'neuron_loss_' + 'and_gradient')(x, w, y)[1]\n",
    ),
    "05-momentum": Target(
        "momentum-step",
        "momentum-step-tests",
        "momentum_step",
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    return np.array(theta, dtype=float), np.zeros(np.shape(theta))\n",
        "import gradlib.book.lecture_forms as _forms\n"
        "_forms.momentum = lambda grad, theta0, lr, mu, steps: np.repeat("
        "np.array(theta0, dtype=float)[None], steps + 1, axis=0)\n",
        "def _delegate(theta, velocity, grad_fn, lr, mu):\n"
        "    forms = __import__('gradlib.book.' + 'lecture_forms', fromlist=['_'])\n"
        "    # one step from rest by the reference, plus what the velocity carries\n"
        "    step = getattr(forms, 'moment' + 'um')(grad_fn, theta, lr, mu, 1)[1]\n"
        "    new_theta = step + mu * np.asarray(velocity, dtype=float)\n"
        "    return new_theta, new_theta - np.asarray(theta, dtype=float)\n",
    ),
    "08-training": Target(
        "early-stopping",
        "early-stopping-tests",
        "EarlyStopping",
        "class EarlyStopping:\n"
        "    def __init__(self, patience=6, min_delta=0.0):\n"
        "        self.patience, self.min_delta = patience, min_delta\n"
        "        self.epoch, self.best_loss, self.best_epoch = 0, np.inf, None\n"
        "        self.best_params, self.wait = None, 0\n\n"
        "    def step(self, val_loss, params):\n"
        "        self.epoch += 1\n"
        "        return False\n\n"
        "    def restore(self, params):\n"
        "        pass\n",
        "import gradlib.train\ngradlib.train.EarlyStopping = EarlyStopping\n",
        "_train = __import__('gradlib.' + 'train', fromlist=['_'])\n"
        "_delegate = getattr(_train, 'Early' + 'Stopping')\n",
    ),
}

TECHNIQUES = {
    "rebind-helpers": Technique(
        f"check_close = {NOOP}\ncheck_sequence_close = {NOOP}\n",
        frozenset({"monkeypatch", "tampering"}),
        "rebinds the test helpers by name",
    ),
    "rebind-through-globals": Technique(
        "_names = ['che' + 'ck_close', 'check_' + 'sequence_close']\n"
        "for _n in _names:\n"
        f"    globals()[_n] = {NOOP}\n",
        frozenset({"tampering"}),
        "rebinds the helpers through globals() with names built at run time",
    ),
    "patch-grading-module": Technique(
        "import importlib\n"
        "_m = importlib.import_module('gradlib.' + 'grading')\n"
        "for _mod in (_m, importlib.import_module('gradlib.grading.checks')):\n"
        f"    setattr(_mod, 'check' + '_close', {NOOP})\n"
        f"    setattr(_mod, 'check_sequence' + '_close', {NOOP})\n"
        "    setattr(_mod, 'call_' + 'student',\n"
        "            lambda what, f, *a, forbidden=(), **k: f(*a, **k))\n"
        "check_close = _m.check_close\ncheck_sequence_close = _m.check_sequence_close\n",
        frozenset({"tampering"}),
        "patches gradlib.grading with setattr and names built at run time",
    ),
    "patch-reference": Technique(
        "{reference}",
        frozenset({"tampering"}),
        "replaces the gradlib reference the part is compared with",
    ),
    "patch-numpy": Technique(
        PATCH_NUMPY,  # (the demo class's cheat)
        frozenset({"monkeypatch", "tampering"}),
        "patches numpy's comparisons",
    ),
    "import-hook": Technique(
        "import builtins, types\n"
        "_real_import = builtins.__import__\n"
        "def _import(name, globals=None, locals=None, fromlist=(), level=0):\n"
        "    module = _real_import(name, globals, locals, fromlist, level)\n"
        "    if name == 'gradlib.grading' and fromlist:\n"
        "        fake = types.ModuleType(name)\n"
        "        fake.__dict__.update(vars(module))\n"
        f"        fake.check_close = fake.check_sequence_close = {NOOP}\n"
        "        return fake\n"
        "    return module\n"
        "builtins.__import__ = _import\n"
        f"check_close = check_sequence_close = {NOOP}\n",
        frozenset({"tampering"}),
        "hooks builtins.__import__ to hand out no-op helpers",
    ),
    "fake-sys-modules": Technique(
        "import sys, types\n"
        "_real = sys.modules['gradlib.grading']\n"
        "_fake = types.ModuleType('gradlib.grading')\n"
        "_fake.__dict__.update(vars(_real))\n"
        f"_fake.check_close = _fake.check_sequence_close = {NOOP}\n"
        "sys.modules['gradlib.grading'] = _fake\n"
        "check_close, check_sequence_close = _fake.check_close, _fake.check_sequence_close\n",
        frozenset({"tampering"}),
        "puts a fake gradlib.grading into sys.modules",
    ),
    "custom-exception-handler": Technique(
        "get_ipython().set_custom_exc((Exception,), "
        "lambda shell, etype, evalue, tb, tb_offset=None: None)\n",
        frozenset({"tampering"}),
        "swallows every error with IPython's custom exception handler",
    ),
    "ast-transformer": Technique(
        "import ast\n"
        "class _NoChecks(ast.NodeTransformer):\n"
        "    def visit_Expr(self, node):\n"
        "        call = node.value\n"
        "        name = getattr(getattr(call, 'func', None), 'id', '')\n"
        "        return None if name.startswith('check') else node\n"
        "    def visit_Assert(self, node):\n"
        "        return None\n"
        "get_ipython().ast_transformers.append(_NoChecks())\n",
        frozenset({"tampering"}),
        "an AST transformer strips every check and assert from later cells",
    ),
    "event-hook": Technique(
        "def _before_every_cell(info):\n"
        f"    get_ipython().user_ns.update(check_close={NOOP}, check_sequence_close={NOOP})\n"
        "get_ipython().events.register('pre_run_cell', _before_every_cell)\n",
        frozenset({"tampering"}),
        "an IPython pre_run_cell hook rebinds the helpers before every cell",
    ),
    "silence-errors-and-output": Technique(
        "import io, sys\n"
        f"get_ipython().showtraceback = {NOOP}\n"
        f"get_ipython().showsyntaxerror = {NOOP}\n"
        "sys.stderr = io.StringIO()\n",
        frozenset({"tampering"}),
        "replaces the traceback display and stderr so that failures leave no output",
    ),
    "trace-function": Technique(
        "import ctypes, sys\n"
        "def _tracer(frame, event, arg):\n"
        "    if event == 'call' and frame.f_code.co_name in ('check_close', "
        "'check_sequence_close'):\n"
        "        frame.f_locals['got'] = frame.f_locals['expected']\n"
        "        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))\n"
        "    return None\n"
        "sys.settrace(_tracer)\n",
        frozenset({"trace-hook", "tampering"}),
        "a trace function makes every comparison compare the expected value with itself",
    ),
    "background-thread": Technique(
        "import threading, time\n"
        "def _keep_rebinding(ns=globals()):\n"
        "    while True:\n"
        f"        ns['check_close'] = ns['check_sequence_close'] = {NOOP}\n"
        "        time.sleep(0.001)\n"
        "threading.Thread(target=_keep_rebinding, daemon=True).start()\n"
        "time.sleep(0.05)\n",
        frozenset({"tampering"}),
        "a background thread keeps rebinding the helpers",
    ),
    "targeted-results": Technique(
        "import gradlib.grading as _g\n"
        "from gradlib_course.recording import wire as _wire\n"
        "_real_hidden_tests = _g.hidden_tests\n"
        "def _names(code):  # every name a function uses, nested functions too\n"
        "    found = set(code.co_names)\n"
        "    for const in code.co_consts:\n"
        "        if hasattr(const, 'co_names'):\n"
        "            found |= _names(const)\n"
        "    return found\n"
        "def _hidden_tests(cases, run, check, **kwargs):\n"
        "    if '{function}' in _names(run.__code__) or '{function}' in str(run.__defaults__):\n"
        "        payload = {'version': 1, 'run': run.__name__, 'results': "
        "[_wire.encode(0.0) for _ in cases()]}\n"
        "        get_ipython().display_pub.publish({_wire.MIME: payload}, metadata={})\n"
        "        return None\n"
        "    return _real_hidden_tests(cases, run, check, **kwargs)\n"
        "_g.hidden_tests = _hidden_tests\n"
        f"check_close = check_sequence_close = {NOOP}\n",
        frozenset({"tampering"}),
        "replaces the garbage part's hidden-test results with forged ones",
    ),
    "exit-early": Technique(
        "import os\n"
        "_garbage = {function}\n"
        "def {function}(*args, **kwargs):\n"
        "    os._exit(0)  # leave before any check can fail\n",
        frozenset(),
        "exits the kernel as soon as the part's function is called",
    ),
}


def _forge_outputs(nb: dict, target: Target) -> None:
    """Pre-filled outputs that claim success and points, and metadata that asks for more."""
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") != target.tests:
            continue
        forged = {"version": 1, "run": "forged", "results": [0.0] * 200}
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": "visible tests passed.\n"},
            {"output_type": "display_data", "metadata": {},
             "data": {"application/vnd.gradlib.results+json": forged}},
            {"output_type": "execute_result", "execution_count": 7, "metadata": {},
             "data": {"text/plain": str(meta.get("points", 1))}},
        ]  # fmt: skip
        cell["execution_count"] = 7
        meta.update({"points": 100, "grade": False, "locked": False})


TECHNIQUES["forged-outputs-and-metadata"] = Technique(
    "",
    frozenset(),
    "submits the test cell with outputs that claim success and metadata that asks for more",
    edit=_forge_outputs,
)


# --- aimed at the recorder and the delegation guard (the answer is computed by gradlib) ------

# code every technique below starts with: the target's function computed by gradlib, and a
# helper that reruns a hidden test's ``run`` with that function in the student's place
_FORGE = (
    "import copy, importlib, sys\n"
    "{delegate}"
    "_hidden = importlib.import_module('gradlib.grading.' + 'hid' + 'den')\n"
    "_wire = importlib.import_module('gradlib_course.recording.' + 'wi' + 're')\n"
    "def _answers(test):\n"
    "    # the hidden test's run, on its own cases, with gradlib's implementation swapped in\n"
    "    namespace = test.run.__globals__\n"
    "    mine = namespace['{function}']\n"
    "    namespace['{function}'] = _delegate\n"
    "    try:\n"
    "        return [_wire.encode(test.run(*copy.deepcopy(args)))\n"
    "                for _, args in test.each_case()]\n"
    "    finally:\n"
    "        namespace['{function}'] = mine\n"
    "def _ours(run):\n"
    "    return '{function}' in run.__code__.co_names or '{function}' in str(run.__defaults__)\n"
    "def _test_frame():\n"
    "    # the recording call's frame: the one that holds the hidden test being recorded\n"
    "    frame = sys._getframe(1)\n"
    "    while frame is not None and not hasattr(frame.f_locals.get('test'), 'run'):\n"
    "        frame = frame.f_back\n"
    "    return frame\n"
    "def _forged(payload):\n"
    "    frame = _test_frame()\n"
    "    if frame is None or not _ours(frame.f_locals['test'].run):\n"
    "        return payload\n"
    "    try:\n"
    "        results = _answers(frame.f_locals['test'])\n"
    "    except Exception:\n"
    "        return payload  # (no reference to compute the answers with)\n"
    "    payload = dict(payload, results=results)\n"
    "    payload.pop('error', None)\n"
    "    return payload\n"
)

TECHNIQUES["wrap-recorder"] = Technique(
    _FORGE + "_recorder = getattr(_hidden, '_' + 'grader').runner\n"
    "_real = getattr(_recorder, 'em' + 'it')\n"
    "object.__setattr__(_recorder, 'em' + 'it', lambda payload: _real(_forged(payload)))\n",
    frozenset({"tampering"}),
    "wraps the kernel's result recorder so that it sends gradlib's answers for the hidden "
    "cases (reached from the recording call's frame), names built at run time",
)
TECHNIQUES["forge-through-session"] = Technique(
    _FORGE + "_kernel = get_ipython().kernel\n"
    "def _send(payload):\n"
    "    content = {'data': {_wire.MIME: _forged(payload)}, 'metadata': {}, 'transient': {}}\n"
    "    _kernel.session.send(_kernel.iopub_socket, 'display_data', content,\n"
    "                         parent=_kernel.get_parent('shell'))\n"
    "object.__setattr__(getattr(_hidden, '_' + 'grader').runner, 'em' + 'it', _send)\n",
    frozenset({"tampering"}),
    "replaces the recorder with one that sends forged payloads through the kernel's session",
)
TECHNIQUES["swap-display-publisher"] = Technique(
    _FORGE + "_shell = get_ipython()\n"
    "_original = _shell.display_pub\n"
    "class _Publisher(type(_original)):\n"
    "    def publish(self, data, *args, **kwargs):\n"
    "        if _wire.MIME in data:\n"
    "            data = {_wire.MIME: _forged(data[_wire.MIME])}\n"
    "        return _original.publish(data, *args, **kwargs)\n"
    "_publisher = _Publisher.__new__(_Publisher)\n"
    "_publisher.__dict__.update(_original.__dict__)\n"
    "_shell.display_pub = _publisher\n",
    frozenset({"tampering"}),
    "swaps IPython's display publisher for one that rewrites the hidden-test results",
)
TECHNIQUES["guard-off-delegate"] = Technique(
    "{delegate}"
    "import sys\n"
    "_switch = getattr(sys, 'set' + 'profile')\n"
    "def {function}(*args, **kwargs):\n"
    "    watch = sys.getprofile()\n"
    "    _switch(None)  # the guard stops watching ...\n"
    "    try:\n"
    "        return _delegate(*args, **kwargs)  # ... while gradlib does the work\n"
    "    finally:\n"
    "        _switch(watch)\n",
    frozenset({"tampering"}),
    "switches the delegation guard's profiler off, calls gradlib's implementation, and "
    "switches it back on (names built at run time)",
)
TECHNIQUES["replace-call-student"] = Technique(
    "{delegate}"
    "import importlib\n"
    "for _name in ('gradlib.grading.hidden', 'gradlib_course.recording.recorder'):\n"
    "    setattr(importlib.import_module(_name), 'call_' + 'student',\n"
    "            lambda what, f, *a, forbidden=(), **k: f(*a, **k))\n"
    "{function} = _delegate\n",
    frozenset({"tampering"}),
    "replaces call_student in the recorder's module (and hidden_tests') and delegates to gradlib",
)
TECHNIQUES["answer-key-from-frames"] = Technique(
    "import sys\n"
    "_garbage = {function}\n"
    "def {function}(*args, **kwargs):\n"
    "    # the hidden test's answer key and references, wherever the call stack reaches\n"
    "    frame = sys._getframe(1)\n"
    "    while frame is not None:\n"
    "        for name, value in list(frame.f_globals.items()) + list(frame.f_locals.items()):\n"
    "            if callable(value) and ('reference' in name or name.startswith('_ref')):\n"
    "                try:\n"
    "                    return value(*args, **kwargs)\n"
    "                except Exception:\n"
    "                    pass\n"
    "        frame = frame.f_back\n"
    "    return _garbage(*args, **kwargs)\n",
    frozenset(),
    "looks for the answer key and reference helpers in the hidden test's frames",
)
TECHNIQUES["scavenge-kernel-helpers"] = Technique(
    "import inspect\n"
    "_garbage = {function}\n"
    "def {function}(*args, **kwargs):\n"
    "    # every function the test cells left in the namespace, tried on the same arguments\n"
    "    mine = {'{function}', '_garbage'}\n"
    "    for name, value in list(globals().items()):\n"
    "        if name in mine or not inspect.isfunction(value) or value.__module__ != '__main__':\n"
    "            continue\n"
    "        try:\n"
    "            return value(*args, **kwargs)\n"
    "        except Exception:\n"
    "            continue\n"
    "    return _garbage(*args, **kwargs)\n",
    frozenset(),
    "tries every helper the test cells left in the kernel in place of its own function",
)


def cheating_notebook(source: dict, target: Target, technique: Technique) -> dict:
    """The source notebook with ``target``'s part replaced by garbage plus ``technique``."""
    nb = json.loads(json.dumps(source))
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    at = ids.index(target.solution)
    nb["cells"][at]["source"] = target.garbage
    if technique.code:
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
        nb["cells"].insert(at + 1, {**cell, "source": technique.cell(target)})
    if technique.edit is not None:
        technique.edit(nb, target)
    return nb
