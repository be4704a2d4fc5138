#!/usr/bin/env python3
"""Plenum's entry point: see `python build.py --help`."""

import sys

from generator.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
