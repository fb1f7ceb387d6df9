"""The paper's schedule in numbers: the reference's `get_map_weights` and its `train.py` defaults."""

# --mapweight_start: the weight of the first epoch (and the AL2 layer's default weight).
PAPER_START = 0.01
# --mapweight_thres: below it the weight grows by PAPER_GROWTH per epoch, from it on by PAPER_LATE_GROWTH.
PAPER_THRESHOLD = 5.0
# --mapweight_fac1 and --mapweight_fac2.
PAPER_GROWTH = 1.1
PAPER_LATE_GROWTH = 1.01
# One epoch per epoch of the paper's schedule: the default time scale of every schedule and protocol.
PAPER_TIME_SCALE = 1.0
