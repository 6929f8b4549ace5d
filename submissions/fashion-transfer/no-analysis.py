# %%
import numpy as np
import matplotlib.pyplot as plt
import keras

keras.utils.set_random_seed(42)
print("Keras", keras.__version__)

# %%
(X_train_full, y_train_full), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
X_train_full = X_train_full / 255.0
X_test = X_test / 255.0
X_valid, X_train = X_train_full[:5000], X_train_full[5000:]
y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
print(X_train.shape, X_valid.shape, X_test.shape)

# %%
def split_dataset(X, y):
    y_5_or_6 = (y == 5) | (y == 6)  # sandals or shirts
    y_A = y[~y_5_or_6]
    y_A[y_A > 6] -= 2  # class indices 7, 8, 9 should be moved to 5, 6, 7
    y_B = (y[y_5_or_6] == 6).astype(np.float32)  # binary task: is it a shirt (class 6)?
    return ((X[~y_5_or_6], y_A), (X[y_5_or_6], y_B))

(X_train_A, y_train_A), (X_train_B, y_train_B) = split_dataset(X_train, y_train)
(X_valid_A, y_valid_A), (X_valid_B, y_valid_B) = split_dataset(X_valid, y_valid)
(X_test_A, y_test_A), (X_test_B, y_test_B) = split_dataset(X_test, y_test)
X_train_B = X_train_B[:200]
y_train_B = y_train_B[:200]
print("A:", X_train_A.shape, " B:", X_train_B.shape, " shirts in B:", int(y_train_B.sum()))

# %%
def build_mlp(n_outputs, activation):
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28)))
    model.add(keras.layers.Flatten())
    for n_hidden in (300, 100, 50, 50, 50):
        model.add(keras.layers.Dense(n_hidden, activation="selu"))
    model.add(keras.layers.Dense(n_outputs, activation=activation))
    return model

model_A = build_mlp(8, "softmax")
model_A.compile(loss="sparse_categorical_crossentropy",
                optimizer=keras.optimizers.SGD(learning_rate=1e-3),
                metrics=["accuracy"])
history_A = model_A.fit(X_train_A, y_train_A, epochs=20, validation_data=(X_valid_A, y_valid_A))

# %%
model_B = build_mlp(1, "sigmoid")
model_B.compile(loss="binary_crossentropy",
                optimizer=keras.optimizers.SGD(learning_rate=1e-3),
                metrics=["accuracy"])
history_B = model_B.fit(X_train_B, y_train_B, epochs=20, validation_data=(X_valid_B, y_valid_B))

# %%
model_A_clone = keras.models.clone_model(model_A)
model_A_clone.set_weights(model_A.get_weights())

model_B_on_A = keras.Sequential(model_A_clone.layers[:-1])
model_B_on_A.add(keras.layers.Dense(1, activation="sigmoid"))

for layer in model_B_on_A.layers[:-1]:
    layer.trainable = False

model_B_on_A.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(),  # default rate 0.01
                     metrics=["accuracy"])
history_frozen = model_B_on_A.fit(X_train_B, y_train_B, epochs=4, validation_data=(X_valid_B, y_valid_B))

# %%
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = True

model_B_on_A.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-4),
                     metrics=["accuracy"])
history_unfrozen = model_B_on_A.fit(X_train_B, y_train_B, epochs=16, validation_data=(X_valid_B, y_valid_B))

# %%
loss_A, acc_A = model_A.evaluate(X_test_A, y_test_A, verbose=0)
loss_B, acc_B = model_B.evaluate(X_test_B, y_test_B, verbose=0)
loss_BA, acc_BA = model_B_on_A.evaluate(X_test_B, y_test_B, verbose=0)
print(f"model_A on test A:      {acc_A:.4f}")
print(f"model_B on test B:      {acc_B:.4f}")
print(f"model_B_on_A on test B: {acc_BA:.4f}")
err_B, err_BA = 1 - acc_B, 1 - acc_BA
print(f"error rate B: {err_B:.2%}, B on A: {err_BA:.2%}, reduction: {(err_B - err_BA) / max(err_B, 1e-9):.1%}")


