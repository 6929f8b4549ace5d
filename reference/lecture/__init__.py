"""The lecture's own recipes, ported to Keras 3 only as far as needed to run, for the speed
comparison (`harness.measure.speed`).

Same models, hyper-parameters and data pipelines as the lecture (numpy arrays scaled as
float64 for Fashion-MNIST; a per-image generator pipeline for cats-dogs; a ``classify``
that rebuilds ResNet50 on every call). Each module exposes the same ``run(...)`` as the
references and is measured the same way (held-out curves with measurement time excluded).
Keras 2 APIs are replaced by their Keras 3 equivalents: ``lr=`` -> ``learning_rate=``,
``decay=`` -> ``InverseTimeDecay``, ``fit_generator`` -> ``fit``, ``ImageDataGenerator``
-> an equivalent ``keras.utils.PyDataset`` (`reference.lecture.generator`).
"""
