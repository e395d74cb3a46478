"""The NumPy core of Backprop Explorer: forward pass, backward pass in matrix form, update, and the step
list and graph that explain them. NumPy and the standard library only; nothing from the web layer.

    >>> from app.core import make_spec, compute_trace, PRESETS
    >>> request = dict(PRESETS[0].request)
    >>> X, y = request.pop("X"), request.pop("y")
    >>> trace = compute_trace(make_spec(**request), X, y)
    >>> [step.id for step in trace.steps][:3]
    ['fwd:H1', 'fwd:O1', 'fwd:H2']

`predict(spec, X)` runs the forward pass alone on any inputs (up to LIMITS.max_predict_rows rows), e.g. a
grid over the input plane for the page's picture of the data and the predictions.

Shapes, ids and names follow docs/contract.md.
"""

from .activations import ACTIVATIONS, Activation
from .errors import EXCERPT_CHARS, SpecError, shown
from .gradcheck import GradCheck, ParamCheck, gradcheck_work, gradient_check
from .gradcheck import check_budget as check_gradcheck_budget
from .graph import Graph, GraphEdge, GraphNode
from .initialisation import INIT_SCHEMES, InitScheme
from .limits import DEFAULTS, LIMITS, Defaults, Limits
from .losses import LOSSES, Loss
from .matrices import check_data
from .predict import predict
from .presets import PRESETS, Preset
from .spec import NetworkSpec, make_spec
from .steps import Step
from .trace import DStage, Trace, compute_trace
from .training import Snapshot, TrainResult, train, train_work
from .training import check_budget as check_train_budget

__all__ = [
    "ACTIVATIONS", "LOSSES", "INIT_SCHEMES", "LIMITS", "Limits", "DEFAULTS", "Defaults",
    "SpecError", "NetworkSpec", "make_spec", "check_data", "shown", "EXCERPT_CHARS",
    "compute_trace", "predict", "Trace", "DStage", "Step", "Graph", "GraphNode", "GraphEdge",
    "gradient_check", "GradCheck", "ParamCheck", "gradcheck_work", "check_gradcheck_budget",
    "train", "TrainResult", "Snapshot", "train_work", "check_train_budget",
    "PRESETS", "Preset", "Activation", "Loss", "InitScheme",
]
