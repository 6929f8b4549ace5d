# %%
import numpy as np
import matplotlib.pyplot as plt
import keras

(X_train_full, y_train_full), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
X_train_full = X_train_full / 255.0
X_valid, X_train = X_train_full[:5000], X_train_full[5000:]
y_valid, y_train = y_train_full[:5000], y_train_full[5000:]

pixel_means = X_train.mean(axis=0, keepdims=True)
pixel_stds = X_train.std(axis=0, keepdims=True)
X_train_scaled = (X_train - pixel_means) / pixel_stds
X_valid_scaled = (X_valid - pixel_means) / pixel_stds

# %%
def build_model(seed=42):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(300, activation="selu", kernel_initializer="lecun_normal"),
        keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])

optimizers = {
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.001),
    "momentum": lambda: keras.optimizers.SGD(learning_rate=0.001, momentum=0.9),
    "nesterov": lambda: keras.optimizers.SGD(learning_rate=0.001, momentum=0.9, nesterov=True),
    "adagrad": lambda: keras.optimizers.Adagrad(learning_rate=0.001),
    "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9),
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    "adamax": lambda: keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    "nadam": lambda: keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
}
n_epochs = 10

# %%
histories = {}
for name, make_optimizer in optimizers.items():
    model = build_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=make_optimizer(), metrics=["accuracy"])
    histories[name] = model.fit(X_train_scaled, y_train, epochs=n_epochs,
                                validation_data=(X_valid_scaled, y_valid), verbose=0)
    h = histories[name].history
    print(f"{name:9s} epoch 1 val acc {h['val_accuracy'][0]:.4f} | final train loss {h['loss'][-1]:.4f}"
          f" | final val acc {h['val_accuracy'][-1]:.4f}")


