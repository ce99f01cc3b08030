"""Optimizers that update lists of numpy arrays in place, with ``torch.optim``'s names and defaults.

===============  ======================================================  ===================
family           classes                                                 module
===============  ======================================================  ===================
gradient descent ``SGD`` (momentum, dampening, Nesterov, weight decay)   ``optim.sgd``
adaptive         ``Adagrad``, ``RMSprop``, ``Adadelta``, ``Adam``,       ``optim.adaptive``
                 ``Adamax``
per-weight       ``Rprop`` (with or without backtracking),               ``optim.rprop``
trend            ``QuickProp``
second order     ``Newton``, ``BFGS`` (take a closure)                   ``optim.second_order``
===============  ======================================================  ===================

Usage, for parameters ``W, b`` with gradients ``dW, db``::

    from gradlib.optim import Adam
    opt = Adam([W, b], lr=1e-3)
    opt.step([dW, db])            # W, b change in place
    opt.lr = 1e-4                 # what gradlib.schedules does between epochs
    saved = opt.state_dict()      # deep copy; opt.load_state_dict(saved) resumes exactly

Every class documents its hyper-parameters, the state it keeps and its update
formula in the book's notation (η learning rate, μ momentum, β₁/β₂, ρ, ε, g
gradient, θ parameters). The lectures' alternative forms of momentum, Nesterov,
AdaDelta and Rprop are book helpers (:mod:`gradlib.book.lecture_forms`), tested
against these.
"""

from .adaptive import Adadelta, Adagrad, Adam, Adamax, RMSprop
from .base import Optimizer
from .rprop import QuickProp, Rprop
from .second_order import BFGS, ClosureOptimizer, Newton
from .sgd import SGD

__all__ = [
    "BFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "ClosureOptimizer",
    "Newton",
    "Optimizer",
    "QuickProp",
    "RMSprop",
    "Rprop",
]
