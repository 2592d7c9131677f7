"""The --region CLASSES:VALUE argument of the diagnostic tools: parsing classes (`sade parse`'s indices) and one
number for them (a band's sigma, a fidelity)."""
import argparse
from typing import Callable

from ..parser.model import NUM_CLASSES


def region_arg(value_name: str, example: str, valid: Callable[[float], bool], rule: str):
    """An argparse type for CLASSES:VALUE, e.g. region_arg("W", "0,13:0", lambda w: 0 <= w <= 1, "in [0, 1]")."""
    def parse(text: str) -> tuple[list[int], float]:
        try:
            classes, value = text.split(":")
            parsed = [int(c) for c in classes.split(",")], float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--region {text!r}: expected CLASSES:{value_name}, e.g. {example} (class indices of `sade parse`)")
        if not valid(parsed[1]) or any(not 0 <= c < NUM_CLASSES for c in parsed[0]):
            raise argparse.ArgumentTypeError(f"--region {text!r}: classes are 0..{NUM_CLASSES - 1} and {value_name} is {rule}")
        return parsed
    return parse
