import sys, json, keras
from al2_keras import training, schedules
import al2_keras.training.build as C
from al2_keras.head_bound import bound_head
from al2_keras.training.callbacks import TrainingSetAccuracy
_get = C.models.get
def get(*a, **k):
    m = _get(*a, **k); print("bounded", bound_head(m, None), [l.kernel.constraint.max_value for l in m.layers if getattr(l, "kernel", None) is not None and l.kernel.constraint], flush=True); return m
C.models.get = get
class Printer(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print(f"{epoch+1:3d} acc {100*logs['val_accuracy']:5.1f} Lc {logs['cross_entropy']:.4f} Lr {logs['activation_loss']:.3g} w {logs.get('al2_weight',0):.4g} mem {logs['memorized']:.3f}", flush=True)
seed, scaling = int(sys.argv[1]), sys.argv[2]
p = training.quick_protocol(seed=seed, epochs=80, scaling=scaling, data_dir="/usr/share/datasets/fashion-mnist",
                            schedule="stable")
prepared = training.prepare_data(p)
_, h = training.train_variant(p, prepared, al2=True, callbacks=[TrainingSetAccuracy(prepared), Printer()])
json.dump(h, open(f"/tmp/proto2/stable_init_{seed}_{scaling}.json", "w"))
