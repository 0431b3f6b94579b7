"""Writes Tests/Reference/models/keras_densenet_nested{.weights.hdf5,.hdf5,.json}.

Run from the repository root with the venv of make_models_fixtures.py:

    KERAS_BACKEND=jax /work/.venv-models/bin/python Tests/Reference/make_nested_keras_fixture.py

A Keras 3 model saved the way fine-tuning notebooks save theirs: a reduced DenseNet
(`blocks=[1, 1, 1, 0]`, 32x32, average pooling, randomised weights) nested in a `Sequential` with a
`Dense(2)` head, in the Keras 3 format and the Keras 2 style one. The JSON records the nested DenseNet's pooled features on fixed images, which pipe
must reproduce after loading the backbone from the nested file.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.applications import imagenet_utils  # noqa: E402
from keras.src.applications.densenet import DenseNet as KerasDenseNet  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

from make_models_fixtures import OUT, encode, images, randomise_keras  # noqa: E402

keras.utils.set_random_seed(6)
base = KerasDenseNet([1, 1, 1, 0], include_top=False, weights=None, input_shape=(32, 32, 3), pooling="avg")
randomise_keras(base, np.random.RandomState(7))
wrapper = keras.Sequential([keras.Input((32, 32, 3)), base, keras.layers.Dense(2, activation="softmax")])
path = os.path.join(OUT, "keras_densenet_nested.weights.h5")
wrapper.save_weights(path)
os.replace(path, path.replace(".weights.h5", ".weights.hdf5"))
with h5py.File(os.path.join(OUT, "keras_densenet_nested.hdf5"), "w") as f:
    legacy_h5_format.save_weights_to_hdf5_group(f, wrapper)
raw = images(2, 32, 8)
x = imagenet_utils.preprocess_input(raw.astype("float32"), mode="torch")
with open(os.path.join(OUT, "keras_densenet_nested.json"), "w") as f:
    json.dump({"inputs": encode(x), "features": encode(base.predict(x, verbose=0))}, f)
