"""The CNN that reads digits, and a LeNet-5-style baseline to compare it with."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 11  # the ten digits, then "not a digit" (see ml.uncertainty)


def build_model(arch: str = "cnn") -> keras.Model:
    """Return an uncompiled model of the named architecture."""
    try:
        builder = ARCHITECTURES[arch]
    except KeyError:
        raise ValueError(
            f"unknown architecture {arch!r}: choose from {sorted(ARCHITECTURES)}"
        ) from None
    return builder()


def with_not_a_digit(model: keras.Model) -> keras.Model:
    """Return `model` with an eleventh output, its digit outputs' weights kept."""
    head = model.layers[-1]
    if head.units == NUM_CLASSES:
        return model
    kernel, bias = head.get_weights()
    dense = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")
    outputs = dense(model.layers[-2].output)
    # The new output starts unlikely (bias -4) so that digits keep their readings at first.
    dense.set_weights([np.hstack([kernel, np.zeros((kernel.shape[0], 1))]), np.append(bias, -4.0)])
    return keras.Model(model.inputs, outputs, name=model.name)


def _conv_block(x, filters: int):
    # Bias is redundant before batch norm.
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def _cnn() -> keras.Model:
    inputs = keras.Input(shape=INPUT_SHAPE, name="digit")
    x = _conv_block(inputs, 32)
    x = _conv_block(x, 32)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.1)(x)
    x = _conv_block(x, 64)
    x = _conv_block(x, 64)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.2)(x)
    x = _conv_block(x, 128)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cnn")


def _lenet5() -> keras.Model:
    inputs = keras.Input(shape=INPUT_SHAPE, name="digit")
    x = layers.Conv2D(6, 5, padding="same", activation="tanh")(inputs)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(16, 5, activation="tanh")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(120, activation="tanh")(x)
    x = layers.Dense(84, activation="tanh")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="lenet5")


ARCHITECTURES = {"cnn": _cnn, "lenet5": _lenet5}
