"""Feature snapshots: a layer's activations on fixed images at chosen epochs."""

from typing import Dict, Iterable

import keras
import numpy as np


class FeatureSnapshots(keras.callbacks.Callback):
    """Records a layer's activations on fixed images at chosen epochs.

    Args:
        layer_name: Name of the layer whose output to record.
        images: The probe images (N, ...), the same for every run.
        epochs: 1-based epochs after which to record.
        batch_size: Batch size of the feature extraction.

    Attributes:
        snapshots: Dict epoch -> activations (N, ...) as float64 NumPy.
    """

    def __init__(self, layer_name: str, images: np.ndarray, epochs: Iterable[int], batch_size: int = 1000):
        super().__init__()
        self.layer_name = layer_name
        self.images = images
        self.epochs = set(int(e) for e in epochs)
        self.batch_size = batch_size
        self.snapshots: Dict[int, np.ndarray] = {}

    def on_train_begin(self, logs=None):
        self._extractor = keras.Model(self.model.inputs, self.model.get_layer(self.layer_name).output)

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            features = self._extractor.predict(self.images, batch_size=self.batch_size, verbose=0)
            self.snapshots[epoch + 1] = features.astype(np.float64)
