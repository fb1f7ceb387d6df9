"""The Keras internals al2_keras relies on where Keras has no public API: each fails here, loudly, if Keras changes it.

Tested with Keras 3.10 (the declared floor, JAX) and 3.15 (TensorFlow, JAX, PyTorch).
"""

import keras
import numpy as np

from al2_keras import AL2
from al2_keras.head_bound import head_layers


def test_flatten_layers_walks_custom_layers_as_find_al2_layers_needs():
    class Holder(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = AL2(name="held")

        def call(self, inputs):
            return self.inner(inputs)

    holder = Holder()
    walked = [layer.name for layer in holder._flatten_layers(include_self=True, recursive=True)]
    assert "held" in walked


def test_inbound_nodes_count_the_calls_of_a_layer_as_head_layers_needs():
    al2, inputs = AL2(), keras.Input((3,))
    once = keras.Model(inputs, keras.layers.Dense(2)(al2(inputs)))
    assert len(al2._inbound_nodes) == 1 and [layer.name for layer in head_layers(once)] == [once.layers[-1].name]
    al2(inputs)
    assert len(al2._inbound_nodes) == 2


def test_initial_epoch_set_in_on_train_begin_makes_fit_start_there_as_backup_and_restore_needs():
    class StartAtTwo(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.model._initial_epoch = 2

    epochs = []
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=4, verbose=0, callbacks=[
        StartAtTwo(), keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))])
    assert epochs == [2, 3]
