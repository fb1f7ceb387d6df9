"""The paper's harness: the protocol and its runner, datasets, results, reports and analysis.

A product beside the regularizer (`import al2_keras`): it reproduces the
paper's experiments and needs TensorFlow (`pip install "al2_keras[cpu]"`).
Import its modules by name, e.g. `from al2_keras.experiments import training`.

Rooms, in the direction data flows: `datasets` -> (`al2_keras.models`) ->
`training` -> `results` -> `reports`; `analysis` (ablation, snapshots,
similarity across runs), `paper` (the paper's Table 1), `distribute`
(tf.distribute and backups), and the scripts' `cli` and `arguments`.
"""

__all__ = ["analysis", "arguments", "atomic", "cli", "datasets", "distribute", "paper", "reports", "results",
           "training"]
