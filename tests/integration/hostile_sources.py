"""The code of the hostile submissions the integration tests run (each constant is notebook or module source).

Shared by the per-case tests and the mixed batch of `test_hostile_grader_side`; kept
apart so that the tests read as what they assert.
"""

PLAIN = """import keras
keras.utils.set_random_seed(0)
(x, y), _ = keras.datasets.fashion_mnist.load_data()
x = x / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dropout(0.2),
                          keras.layers.Dense(32, activation='elu'), keras.layers.Dense(10, activation='softmax')])
model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x[5000:7000], y[5000:7000], epochs=1, validation_data=(x[:1000], y[:1000]), verbose=0)
"""


SWAP_LOOP = """import os, threading, time
HOST = {host!r}
BASES = (os.getcwd(), os.environ['HOME'], os.environ['TMPDIR'], os.path.abspath('../out'))
# Many entries beside the swapped folders: a walk of such a folder takes milliseconds, which widens
# the window between looking at an entry (a folder) and opening it (by then, a link).
for base in BASES:
    for j in range(1500):
        open(os.path.join(base, f'pad{{j:04d}}'), 'w').close()

def swap(real):
    aside = real + '.aside'
    os.makedirs(os.path.join(real, 'sub'), exist_ok=True)
    while True:  # for the whole run: a real folder, then a link to a root-only host folder, in turn
        try:
            os.rename(real, aside)
            os.symlink(HOST, real)
            time.sleep(0.001)
            os.unlink(real)
            os.rename(aside, real)
            time.sleep(0.001)
        except OSError:
            pass

for base in BASES:
    for i in range(2):
        threading.Thread(target=swap, args=(os.path.join(base, f'swap{{i}}'),), daemon=True).start()
"""


PIXEL_BOMB = """import struct, zlib
def png(width, height):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)
    comp = zlib.compressobj(9)
    row = b'\\\\x00' * (width + 1)
    idat = b''.join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b'\\\\x89PNG\\\\r\\\\n\\\\x1a\\\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', idat) + chunk(b'IEND', b''))
bomb = png(13300, 13300)  # 177 million pixels, about 170 kB compressed
"""


PLANTER = """import keras, os
class Planted(keras.Sequential):
    # The export calls model.save(path) inside the export folder the grader drew: this save plants instead.
    def save(self, path, *args, **kwargs):
        folder = os.path.dirname(path)
{plant}
model = Planted([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
history = {{'loss': [1.0, 0.5]}}
"""


def planter(plant: str) -> str:
    return PLANTER.format(plant="\n".join("        " + line for line in plant.splitlines()))


CRAFTED = """import json, keras, zipfile
def layer(cls, **config):
    return {'module': 'keras.layers', 'class_name': cls, 'config': {'name': cls.lower(), **config},
            'registered_name': None}
class Crafted(keras.Sequential):
    # A 1 kB archive: its configuration declares `self.declared`, the weights file is empty.
    def save(self, path, *args, **kwargs):
        layers = [layer('InputLayer', batch_shape=[None, 28, 28, 1], dtype='float32'), self.declared]
        cfg = {'module': 'keras', 'class_name': 'Sequential', 'registered_name': None,
               'config': {'name': 'crafted', 'layers': layers}}
        with zipfile.ZipFile(path, 'w') as zf:
            zf.writestr('config.json', json.dumps(cfg))
            zf.writestr('metadata.json', json.dumps({'keras_version': keras.__version__}))
            zf.writestr('model.weights.h5', b'')
model = Crafted([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
model.declared = layer('Dense', units=10**9)
model_no_dropout = Crafted([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
model_no_dropout.declared = layer('Conv2D', filters=10**7, kernel_size=[3, 3])
history = {'loss': [1.0]}
"""


# Small weights, passes every look at the archive, but predicting one batch of 1,000 images makes
# a 5 GB tensor (each 28x28 image up-sampled to 1120x1120): only the worker's limits can stop it.
BLOWUP = """import keras
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
                          keras.layers.UpSampling2D(size=(40, 40)), keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(10, activation='softmax')])
history = {'loss': [1.0]}
"""


NESTED_MARKDOWN = (
    "> " * 100_000 + "deep quote",
    "\n".join(">" * i + " line" for i in range(1, 1000)),
    "\n".join("  " * i + "- item" for i in range(1000)),
    "[" * 100_000 + "link" + "](x)" * 100,
    "<div>" * 50_000 + "html",
    "<b>" * 50_000 + "bold",
    "*" * 50_000 + "a" + "*" * 50_000,
    "## After the nested cells\n\nplain analysis words",
)


FIND_CHANNEL = """import fcntl, os
def channel_descriptors():
    # Pipes this process may write into, other than its stdout and stderr: the trace channel.
    found = []
    for name in os.listdir('/proc/self/fd'):
        fd = int(name)
        try:
            if fd > 2 and os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:') and \\
                    fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                found.append(fd)
        except OSError:
            pass
    return found
"""


LINGER = """import atexit, threading, time
def spin():
    while True:
        pass
threading.Thread(target=spin, daemon=True).start()
threading.Thread(target=lambda: time.sleep(10**6)).start()  # not a daemon: would keep a module's interpreter up
atexit.register(lambda: time.sleep(10**6))
history = {'loss': [1.0]}
"""


DEEP = "deep = []\nnode = deep\nfor _ in range(100_000):\n    node.append([])\n    node = node[0]\n"


HOSTILE_VALUES = {
    "dropout": DEEP + "history = {'loss': [float('inf'), float('nan'), 1.0], 'accuracy': [10**5000],\n"
                      "           'val_accuracy': deep}\nhistory_no_dropout = deep\n",
    "cats-dogs": DEEP + "class_indices = {'cat': deep, 'dog': float('nan'), 'x' * 100: 10**5000}\n"
                        "history = {'loss': [float('-inf')] * 100_000}\n",
    "resnet50-top3": DEEP + "answers = iter([deep, [('n1', 'cat', float('nan')), ('n2', 'dog', 10**5000)]])\n"
                            "def classify(img_path):\n    return next(answers, {'x': float('inf')})\n",
}


RAW_SEND = """ip = get_ipython()
kernel = ip.kernel
# Bytes go out as they are: the kernel's own serialiser (which would refuse these) is skipped.
kernel.session.send(kernel.iopub_socket, 'display_data', content={payload}, parent=kernel.get_parent())
"""


FIND_SEND = """import gc
# The harness's own event writer, found among the objects of this process.
send = next(o for o in gc.get_objects() if callable(o) and getattr(o, '__name__', '') == 'send'
            and 'key' in getattr(getattr(o, '__code__', None), 'co_freevars', ()))
"""
