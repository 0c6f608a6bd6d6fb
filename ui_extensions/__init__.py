"""TrackLab's panel pages (HTML, CSS and ES modules, no build step), served by the MLflow plugin."""

import os

ROOT = os.path.dirname(os.path.abspath(__file__))

