"""sportlens: markerless sport analytics from video, photos and wearable sensors."""

__version__ = "0.1.0"
