"""Training-time augmentation: the ways real handwriting differs from MNIST.

Served inputs are crisp and full-contrast (see ml.preprocessing), so augmented ones must be
too: one composed affine warp (chaining Keras' RandomRotation, RandomShear, RandomZoom and
RandomTranslation resamples four times and blurs every digit), and contrast re-normalized.
"""

from __future__ import annotations

import math

import tensorflow as tf

MIDDLE = 13.5  # the middle of a 28-pixel axis, in pixel coordinates


def random_affine(
    images: tf.Tensor,
    max_degrees: float = 10.0,
    max_shear: float = 0.15,
    max_zoom: float = 0.1,
    max_shift: float = 2.0,
) -> tf.Tensor:
    """Rotate, shear, scale and shift each digit at random, resampling once."""
    n = tf.shape(images)[0]

    def uniform(limit: float) -> tf.Tensor:
        return tf.random.uniform([n], -limit, limit)

    angle, shear = uniform(math.radians(max_degrees)), uniform(max_shear)
    zoom, dx, dy = 1.0 + uniform(max_zoom), uniform(max_shift), uniform(max_shift)
    # Forward map A = zoom * rotation @ shear; the op wants output -> input, so invert A.
    a, c = zoom * tf.cos(angle), zoom * tf.sin(angle)
    b, d = a * shear - c, c * shear + a
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    ox = MIDDLE - (ia * (MIDDLE + dx) + ib * (MIDDLE + dy))
    oy = MIDDLE - (ic * (MIDDLE + dx) + id_ * (MIDDLE + dy))
    zeros = tf.zeros([n])
    transforms = tf.stack([ia, ib, ox, ic, id_, oy, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def random_stroke_width(images: tf.Tensor, thicker: float = 0.5, thinner: float = 0.3) -> tf.Tensor:
    """Thicken or thin each digit's strokes by part of a pixel, keeping full contrast."""
    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    # Stateful on purpose: a new amount every batch, seeded by keras.utils.set_random_seed.
    amount = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], -thinner, thicker)
    changed = tf.where(
        amount > 0, images + amount * (dilated - images), images - amount * (eroded - images)
    )
    # Preprocessing stretches ink to full scale, so thinned digits must not stay faint.
    peak = tf.reduce_max(changed, axis=[1, 2, 3], keepdims=True)
    return changed / tf.maximum(peak, 1e-6)


def augment(images: tf.Tensor) -> tf.Tensor:
    """Apply every augmentation to a batch of (n, 28, 28, 1) digits."""
    return tf.clip_by_value(random_affine(random_stroke_width(images)), 0.0, 1.0)
