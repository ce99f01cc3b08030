"""The book's helpers: figures, animations, explorers and chapter-only walkthroughs.

Everything here exists for one chapter's pictures or for a form the lectures write
differently from the reference; it uses the reference library (``gradlib``) and
the reference never uses it.  A second form of an algorithm (the lectures'
momentum, the one-neuron walkthrough) says in its docstring why it exists, and a
test proves it agrees with the reference.

* :mod:`.plotting` -- the single figure style, contour and trajectory plots,
  training curves, animations as offline HTML;
* :mod:`.explorer` -- kernel-free explorers: a grid of pre-rendered figures;
* :mod:`.compgraph` -- drawing a :class:`~gradlib.autodiff.Value` graph;
* :mod:`.neuron` -- chapter 1's single neuron, node by node;
* :mod:`.backprop_viz` -- chapter 2's error signals and decision boundaries;
* :mod:`.lecture_forms` -- the lectures' forms of momentum, Nesterov, AdaDelta, Rprop;
* :mod:`.neuron_landscape` -- chapter 9's loss surfaces of one neuron.
"""
