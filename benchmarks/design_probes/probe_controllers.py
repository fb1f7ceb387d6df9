"""Prototype feedback schedules for the AL2 weight (bare small CNN, quick protocol)."""
import math, sys, json, dataclasses
import keras, numpy as np
from al2_keras import training, schedules
from al2_keras.layers import find_al2_layers
from al2_keras.training.callbacks import TrainingSetAccuracy

class Controller(keras.callbacks.Callback):
    def __init__(self, mode, paper, gain=10.0, max_factor=None):
        super().__init__(); self.mode, self.paper, self.gain = mode, paper, gain
        self.max_factor = max_factor or 1.1 ** paper.time_scale
        self.weight = paper(0); self.target = None
    def on_epoch_begin(self, epoch, logs=None):
        for l in find_al2_layers(self.model): l.set_weight(self.weight)
    def on_epoch_end(self, epoch, logs=None):
        lc, lr = logs["cross_entropy"], logs["activation_loss"]
        logs["al2_weight"] = self.weight
        if self.target is None:
            nxt = self.paper(epoch + 1)
            if nxt >= self.paper.threshold:   # progressive start done
                self.target = {"lc": lc, "plc": lc, "penalty": self.weight * lr, "lr": lr}[self.mode]
                self.cross = nxt
                print("target", self.target, flush=True)
            self.weight = nxt; return
        if self.mode == "lc":
            f = math.exp(self.gain * (self.target - lc) / self.target)
        elif self.mode == "plc":   # proportional: weight = crossing weight * exp(G * relative drop of L_c)
            want = self.cross * math.exp(self.gain * (self.target - lc) / self.target)
            f = want / self.weight
        elif self.mode == "penalty":
            f = self.target / (self.weight * lr)
        else:
            f = lr / self.target
        f = min(max(f, 1 / self.max_factor), self.max_factor)
        self.weight *= f

class Printer(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print(f"{epoch+1:3d} acc {100*logs['val_accuracy']:5.1f} Lc {logs['cross_entropy']:.4f} Lr {logs['activation_loss']:.3g} w {logs.get('al2_weight',0):.4g} mem {logs['memorized']:.3f}", flush=True)

mode, seed, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import os
MAXNORM = float(os.environ.get("MAXNORM", "0"))
if MAXNORM:
    import al2_keras.training.runner as R
    _build = R.build_model
    def build(*a, **k):
        m = _build(*a, **k)
        after = False
        for layer in m.layers:
            if layer.name == "al2": after = True
            if after and isinstance(layer, keras.layers.Dense):
                layer.kernel.constraint = keras.constraints.MaxNorm(MAXNORM, axis=0)
                print("bound", layer.name, flush=True)
        return m
    R.build_model = build
scaling = sys.argv[4] if len(sys.argv) > 4 else "unit"
extra = dict(gain=float(sys.argv[5])) if len(sys.argv) > 5 else {}
sched = {}
if os.environ.get("CAP"):
    sched = dict(schedule="paper", schedule_options={"late_growth": 1.0})
p = training.quick_protocol(**sched, seed=seed, epochs=epochs, scaling=scaling, data_dir="/usr/share/datasets/fashion-mnist")
prepared = training.prepare_data(p)
cbs = [TrainingSetAccuracy(prepared)]
if mode in ("lc", "penalty", "lr", "plc"):
    cbs.insert(0, Controller(mode, p.weight_schedule(), **extra))
baseline = {"dropout": dict(dropout=0.5)}.get(mode, {})
al2 = mode not in ("none", "dropout")
_, h = training.train_variant(p, prepared, al2=al2, callbacks=cbs + [Printer()], **baseline)
TAG = os.environ.get("TAG", "")
json.dump(h, open(f"/tmp/proto/{TAG}{mode}_{seed}_{epochs}_{scaling}.json", "w"))
