"""Installs al2_keras.

The core (the AL2 layer, schedules, callback, model builders, insert_al2)
needs only Keras and NumPy and runs on the TensorFlow, JAX and PyTorch
backends. The experiments (data pipelines, TFDS, tf.distribute, similarity,
the KerasTuner search) need TensorFlow and come with an extra. TensorFlow is
not in `install_requires`: `tensorflow` and `tensorflow-cpu` are different
distributions of the same module, and requiring one pulls a second
TensorFlow next to the other. Pick one through an extra: `pip install
".[cpu]"` (tensorflow-cpu), `".[gpu]"` (tensorflow[and-cuda]) or
`".[tensorflow]"`; or install TensorFlow yourself and add `".[experiments]"`.
"""

from setuptools import find_packages, setup

TENSORFLOW = ">=2.16"
# What the experiments need besides TensorFlow itself.
EXPERIMENTS = [
    "tensorflow-datasets",
    "keras-tuner[bayesian]",  # BayesianOptimization needs scipy
    # keras.callbacks.TensorBoard and KerasTuner need it; tensorflow-cpu
    # does not install it.
    "tensorboard",
]

setup(
    name="al2_keras",
    version="0.1.0",
    description="AL2 progressive activation-L2 regularization for Keras 3 (TensorFlow, JAX, PyTorch)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["al2_keras", "al2_keras.*"]),
    package_data={"al2_keras": ["resources/*.csv"]},
    python_requires=">=3.10",
    install_requires=["keras>=3.3", "numpy"],
    extras_require={
        "cpu": [f"tensorflow-cpu{TENSORFLOW}", *EXPERIMENTS],
        "gpu": [f"tensorflow[and-cuda]{TENSORFLOW}", *EXPERIMENTS],
        "tensorflow": [f"tensorflow{TENSORFLOW}", *EXPERIMENTS],
        "experiments": EXPERIMENTS,
        "jax": ["jax"],
        "plots": ["matplotlib"],
        "test": ["pytest", "matplotlib"],
    },
    license="MIT",
)
