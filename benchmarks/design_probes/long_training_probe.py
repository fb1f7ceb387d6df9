"""Design probe of long training: one bare small CNN, 80 epochs of the quick protocol, selection on validation only.

The training images are the quick protocol's subset drawn after 5,000 images are set aside as a validation split
whose labels are corrupted like the training labels (as a user with noisy data has them); the probe prints and
records accuracy on that split only, never on the test set. Levers: the AL2 schedule (--al2 none, paper, cap:C =
the paper's capped at C, stable), the penalty (--penalty l2, the layer's; head: each feature's square weighted by
the squared norm of its outgoing head weights, a penalty rescaling cannot evade), a head bounded at its initial
norms (--maxnorm), the learning-rate policy (--lr constant|cosine), flooding (--flood LEVEL) and the loss.

Kept as it was run for saved_models/reference/long_training/design/probes.json (the library's `losses.Flooding`,
`Protocol.lr_schedule` and `Protocol.head_max_norm` were written from it afterwards).
"""
import argparse, json, os, sys, time
import numpy as np
import keras
from keras import ops
from al2_keras import training, schedules, AL2Scheduler, losses, datasets
from al2_keras.layers import AL2
from al2_keras.head_bound import bound_head, head_layers

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, default=0)
p.add_argument("--epochs", type=int, default=80)
p.add_argument("--al2", default="paper")  # none | paper | cap:C | stable
p.add_argument("--penalty", default="l2")  # l2 | head
p.add_argument("--maxnorm", action="store_true")
p.add_argument("--lr", default="constant")  # constant | cosine
p.add_argument("--flood", type=float, default=None)
p.add_argument("--loss", default="cross_entropy")
p.add_argument("--baseline", default="bare")
p.add_argument("--scaling", default="unit")
p.add_argument("--out", required=True)
a = p.parse_args()

protocol = training.quick_protocol(data_dir="/usr/share/datasets/fashion-mnist", seed=a.seed, epochs=a.epochs,
                                   loss=a.loss, scaling=a.scaling)
prepared = training.prepare_data(protocol, validation_size=5000, noisy_validation=True)
keras.utils.set_random_seed(a.seed)
paper = schedules.ProgressiveSchedule.time_compressed(10)
if a.al2 == "none": sched = None
elif a.al2 == "paper": sched = paper
elif a.al2.startswith("cap:"):
    c = float(a.al2[4:]); sched = lambda e: min(paper(e), c)
elif a.al2 == "stable": sched = schedules.StableSchedule(time_scale=10)
model = training.build_model(protocol, prepared.x_train.shape[1:], prepared.num_classes,
                             al2_weight=sched(0) if sched else 0.0, **training.BASELINES[a.baseline])
if a.maxnorm: bound_head(model, "initial")
al2 = [l for l in model.layers if isinstance(l, AL2)][0]
if a.penalty == "head":
    dense = [l for l in head_layers(model) if hasattr(l, "kernel")][0]
    def penalty():
        return None
    orig_call = al2.call
    def call(inputs, training=None):
        f = ops.cast(inputs, "float32")
        al2.activation_loss_sum.assign_add(ops.stop_gradient(ops.mean(ops.square(f))) * ops.cast(ops.shape(f)[0], "float32"))
        al2.activation_loss_count.assign_add(ops.cast(ops.shape(f)[0], "float32"))
        if training:
            norms = ops.sum(ops.square(dense.kernel), axis=1)
            al2.add_loss(al2.weight * ops.mean(ops.square(f) * norms))
        return inputs
    al2.call = call
steps = datasets.steps_per_epoch(len(prepared.x_train), 64)
lr = 0.01 if a.lr == "constant" else keras.optimizers.schedules.CosineDecay(0.01, a.epochs * steps)
loss = losses.get(a.loss)
if a.flood is not None:
    base = loss; b = a.flood
    class Flood(keras.losses.Loss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            l = base(y_true, y_pred)
            return ops.abs(l - b) + b
    loss = Flood()
model.compile(optimizer=keras.optimizers.SGD(lr, momentum=0.9), loss=loss,
              metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")])
train = datasets.make_dataset(prepared.x_train, prepared.noisy.labels, 64, shuffle=True, seed=a.seed)
val = datasets.make_dataset(prepared.x_val, prepared.y_val, 1024)
cbs = [AL2Scheduler(sched)] if sched else []
t = time.time()
h = model.fit(train, validation_data=val, epochs=a.epochs, steps_per_epoch=steps, callbacks=cbs, verbose=0)
h = h.history
acc = [100 * v for v in h["val_accuracy"]]
out = {"args": vars(a), "val_noisy_acc": acc, "cross_entropy": h["cross_entropy"], "L_r": h["activation_loss"],
       "weight": h.get("al2_weight"), "seconds": time.time() - t}
json.dump(out, open(a.out, "w"))
pk = int(np.argmax(acc))
print(f"{a.out}: val(noisy) peak {acc[pk]:.2f}@{pk+1} final {acc[-1]:.2f} last5 {np.mean(acc[-5:]):.2f}  L_c {h['cross_entropy'][-1]:.3f}  {time.time()-t:.0f}s", flush=True)
