"""Test set-up: the Keras backend, two logical CPU devices (for MirroredStrategy) and seeds.

The suite runs under `KERAS_BACKEND=tensorflow` (the default). The backend
suite (`tests/test_backends.py`) reruns the backend-agnostic test files under
JAX and PyTorch with `AL2_TEST_BLOCK_TENSORFLOW=1`, which makes `import
tensorflow` fail as if TensorFlow were not installed.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# benchmarks/svcca_numpy.py, svcca's recipe in NumPy, is the similarity tests' oracle.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
if os.environ.get("AL2_TEST_BLOCK_TENSORFLOW") == "1":
    sys.modules["tensorflow"] = None  # `import tensorflow` now raises ImportError

import keras  # noqa: E402
import pytest  # noqa: E402

BACKEND = keras.backend.backend()

if BACKEND == "tensorflow":
    import tensorflow as tf

    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        _cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )

@pytest.fixture(autouse=True)
def _seed_and_policy():
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(scope="session")
def two_cpu_strategy():
    """One MirroredStrategy over the two logical CPUs, shared by every test.

    A second instance over the same devices in one process reuses the first
    one's collective instance keys, and its all-reduces then fail with a
    shape mismatch.
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
