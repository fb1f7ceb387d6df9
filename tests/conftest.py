"""Test set-up: two logical CPU devices (for MirroredStrategy) and seeds."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

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
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
