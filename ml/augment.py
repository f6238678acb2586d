"""Training-time augmentation: the ways real handwriting differs from MNIST."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers


def build_augmenter(seed: int) -> keras.Sequential:
    """Return random rotation, shear, scale and shift layers (empty margins stay black)."""
    fill = {"fill_mode": "constant", "fill_value": 0.0}
    return keras.Sequential(
        [
            layers.RandomRotation(10 / 360, seed=seed, **fill),
            layers.RandomShear(x_factor=0.15, y_factor=0.0, seed=seed + 1, **fill),
            layers.RandomZoom(0.1, seed=seed + 2, **fill),
            layers.RandomTranslation(2 / 28, 2 / 28, seed=seed + 3, **fill),
        ],
        name="augment",
    )


def random_stroke_width(images: tf.Tensor, max_change: float = 0.6) -> tf.Tensor:
    """Thicken or thin each digit's strokes by a random fraction of one pixel."""
    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    # Stateful on purpose: a new amount every batch, seeded by keras.utils.set_random_seed.
    amount = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], -max_change, max_change)
    thicker = images + amount * (dilated - images)
    thinner = images - amount * (eroded - images)
    return tf.where(amount > 0, thicker, thinner)
