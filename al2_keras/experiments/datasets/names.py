"""The datasets the project knows and their number of classes."""

NUM_CLASSES = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}


def check_name(name: str) -> str:
    """Returns `name` if it is a known dataset, else raises a ValueError listing them."""
    if name not in NUM_CLASSES:
        raise ValueError(
            f"Unknown dataset. Received: name={name!r}; expected one of "
            f"{sorted(NUM_CLASSES)}."
        )
    return name
